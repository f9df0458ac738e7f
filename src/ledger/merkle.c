/* SPDX-License-Identifier: Apache-2.0 */
#include "merkle.h"
typedef int vg_ledger_placeholder;
