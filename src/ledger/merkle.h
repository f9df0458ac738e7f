/* SPDX-License-Identifier: Apache-2.0 */
/*
 * merkle.h - placeholder: the RFC 9162 Merkle tree of the evidence ledger
 * (issue 7) is being written.
 */
#ifndef VG_LEDGER_MERKLE_H
#define VG_LEDGER_MERKLE_H
#endif
