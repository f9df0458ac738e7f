/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest.h - from parsed records to stored object versions.
 *
 * Every write path (vigie import, TAXII POST, REST) goes through here, so the
 * rules hold everywhere: an object is validated as STIX 2.1 before anything is
 * written; its contributor is the authenticated organisation, never what the
 * payload claims (a created_by_ref naming anyone else is rejected); its TLP is
 * the strictest of its own marking and the floor the request asks for, and
 * the hub writes that marking into the stored object; its audience comes from
 * the policy; the observables it names (SCO values, indicator patterns) become
 * contributions.  Only the contributor of an object may version it.
 *
 * A rejected record changes nothing.  Accepted records are written in
 * batches: one transaction per `batch` objects, committed by vg_ingest_flush
 * (and when the batch fills).  Nothing is durable before a flush returns.
 *
 * Threading: one thread writes through a vg_ingest (its own store handle);
 * vg_ingest_prepare may run on other threads at the same time (see below).
 */
#ifndef VG_INGEST_INGEST_H
#define VG_INGEST_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "codec/flat.h"
#include "store/store.h"

#define VG_INGEST_STRING_MAX (1024 * 1024) /* longest string property accepted */

struct vg_ingest_opts {
    int64_t org_id;    /* contributing organisation (required) */
    int has_tlp_floor; /* objects are stored at least this strict */
    enum vg_tlp tlp_floor;
    enum vg_tlp default_tlp; /* for objects and records with no TLP of their own */
    const int64_t *groups;   /* audience named by the contributor */
    size_t ngroups;
    const int64_t *orgs;
    size_t norgs;
    int64_t collection_id;
    const char *label;  /* label for flat records that carry none */
    size_t batch;       /* objects per transaction; 0 = 100000 */
    const char *key_id; /* API key that sent the objects (the ledger records it); NULL: "cli" */
};

struct vg_ingest_counts {
    size_t accepted;   /* new objects */
    size_t versions;   /* new versions of known objects */
    size_t duplicates; /* already stored, nothing written */
    size_t rejected;
};

struct vg_ingest;

enum vg_rc vg_ingest_new(struct vg_store *st, const struct vg_ingest_opts *opts,
                         struct vg_ingest **out, struct vg_error *err);
/* Rolls back anything not flushed. */
void vg_ingest_free(struct vg_ingest *ing);

/*
 * Validate and store one STIX object (obj is borrowed; it may be modified).
 * Returns VG_OK and sets *result; a rejection returns its code (VG_INVALID,
 * VG_FORBIDDEN, VG_LIMIT) with err->field and err->msg and counts it; the
 * caller goes on with the next record.  VG_STORAGE, VG_IO and VG_NOMEM are
 * fatal for the batch: the caller should stop (unflushed work is lost).
 */
enum vg_rc vg_ingest_object(struct vg_ingest *ing, json_t *obj, enum vg_put_result *result,
                            struct vg_error *err);

/*
 * The same in two steps, so that the work that needs no store can run on
 * another thread than the writes: vg_ingest_prepare validates obj and makes
 * the item ready (it reads only the ingest's fixed settings, so any number of
 * threads may prepare while one commits); vg_ingest_commit stores the item,
 * or reports and counts the rejection preparation found, with the same
 * results as vg_ingest_object.  An item is reused from object to object.
 * text/len (may be NULL) is the object's JSON as received: stored as sent
 * when the hub changes nothing but its marking.
 */
struct vg_ingest_item;
struct vg_ingest_item *vg_ingest_item_new(void);
void vg_ingest_item_free(struct vg_ingest_item *it);
enum vg_rc vg_ingest_prepare(const struct vg_ingest *ing, json_t *obj, const char *text, size_t len,
                             struct vg_ingest_item *it);
enum vg_rc vg_ingest_commit(struct vg_ingest *ing, struct vg_ingest_item *it,
                            enum vg_put_result *result, struct vg_error *err);
/* The prepared object's id, or NULL when preparation failed before it. */
const char *vg_ingest_item_id(const struct vg_ingest_item *it);
/* The JSON text that will be stored, or NULL when preparation failed. */
const char *vg_ingest_item_text(const struct vg_ingest_item *it);

/*
 * vg_ingest_object with its own audience: the organisations named here
 * instead of the ingest's (groups stay the ingest's).  For objects the hub
 * derives for a partner, such as a sighting that must reach no further than
 * the indicator it is a sighting of (src/http/sightings_api.c).
 */
enum vg_rc vg_ingest_object_for(struct vg_ingest *ing, json_t *obj, const int64_t *orgs,
                                size_t norgs, enum vg_put_result *result, struct vg_error *err);

/* Turn a flat record (plain, CSV, MISP) into a STIX indicator and store it. */
enum vg_rc vg_ingest_flat(struct vg_ingest *ing, const struct vg_flat_record *rec,
                          enum vg_put_result *result, struct vg_error *err);

/* Open the batch's transaction now (it opens at the first write
 * otherwise), so that reads made before that write see the hub as the
 * batch will change it, with no other writer in between. */
enum vg_rc vg_ingest_begin(struct vg_ingest *ing, struct vg_error *err);

/* Commit the open batch. */
enum vg_rc vg_ingest_flush(struct vg_ingest *ing, struct vg_error *err);

const struct vg_ingest_counts *vg_ingest_counts(const struct vg_ingest *ing);

/* 1 if type is a STIX 2.1 cyber-observable type. */
int vg_stix_is_sco(const char *type);

#endif
