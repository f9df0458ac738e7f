/* SPDX-License-Identifier: Apache-2.0 */
/*
 * values.h - the set of values the hub holds, in memory, in front of the
 * look-up's store queries.
 *
 * A look-up turns one query into many candidate indicators: the value, each
 * parent domain, the network of every prefix length around an address (33
 * for IPv4, 129 for IPv6), a URL's host.  Nearly all of them are held by no
 * one, and asking the store about each costs an index seek.  This set
 * answers "might the hub hold this value?" from memory, so only the
 * candidates it holds reach the store, where the policy decides what the
 * requester may see of them.
 *
 * It holds one 64-bit key per value, whoever claims it and whatever its
 * audience: a key reveals nothing (what is found is read with the
 * requester's tokens) and a false positive only costs one store query.
 * Networks are keyed by their numeric prefix and length, and addresses as
 * networks of full length, so that probing the 33 networks around an
 * address, or the addresses inside a range, formats no text.  Open addressing at a
 * load of at most one half: 16 bytes per value at most.  The set also
 * remembers which prefix lengths it holds networks (or addresses) of: a
 * hub holds a few, and the probes of the other lengths around an address
 * are answered without touching the table.
 *
 * Readers never wait: they probe the current table with atomic loads.  One
 * writer at a time (vg_values_sync, under a mutex) adds what the store has
 * gained since the last sync; a table that fills is copied into one twice
 * its size and published atomically, the old one kept until the set is
 * freed, so that a reader still probing it stays safe.
 */
#ifndef VG_LOOKUP_VALUES_H
#define VG_LOOKUP_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "model/obs.h"
#include "store/store.h"

struct vg_values;

enum vg_rc vg_values_new(struct vg_values **out, struct vg_error *err);
void vg_values_free(struct vg_values *v);

/* Add every value the store holds that the set has not seen (by the store's
 * value numbers).  Safe to call from any thread, each with its own store
 * handle; concurrent callers wait for each other, readers do not. */
enum vg_rc vg_values_sync(struct vg_values *v, struct vg_store *st, struct vg_error *err);
/* The same, unless another thread is syncing: then VG_CONFLICT at once
 * (err untouched), without waiting for it. */
enum vg_rc vg_values_try_sync(struct vg_values *v, struct vg_store *st, struct vg_error *err);

/* Values in the set; the highest store value number synced. */
size_t vg_values_count(const struct vg_values *v);
int64_t vg_values_last(const struct vg_values *v);
/* Bytes of the current table. */
size_t vg_values_bytes(const struct vg_values *v);

/* 0: the hub certainly does not hold this canonical value; 1: it may. */
int vg_values_has(const struct vg_values *v, enum vg_obs_kind kind, const char *value, size_t len);
/* The same for the IPv4 network net/bits (net in host order, host bits
 * zero) and the IPv6 network net[16]/bits; bits 32 (128) is the address. */
int vg_values_has_net4(const struct vg_values *v, uint32_t net, unsigned bits);
int vg_values_has_net6(const struct vg_values *v, const uint8_t net[16], unsigned bits);

/* The same in two steps, to probe many values at once (the table is far
 * larger than the caches: each probe is a memory access, and prefetching
 * them all first overlaps their latencies): the key of a value or network,
 * 0 when the set certainly does not hold it (a prefix length it holds
 * nothing of); then a hint that the key's slot will be read, and the
 * answer (0 for the key 0). */
uint64_t vg_values_key(const struct vg_values *v, enum vg_obs_kind kind, const char *value,
                       size_t len);
uint64_t vg_values_key_net4(const struct vg_values *v, uint32_t net, unsigned bits);
uint64_t vg_values_key_net6(const struct vg_values *v, const uint8_t net[16], unsigned bits);
void vg_values_prefetch(const struct vg_values *v, uint64_t key);
int vg_values_has_key(const struct vg_values *v, uint64_t key);

#endif
