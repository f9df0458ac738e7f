/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h - persistence behind one interface.
 *
 * A hub is one directory.  vg_store_open() opens the backend the hub is
 * configured for (today: SQLite, file DIR/vigie.db) and returns a handle whose
 * first member is its operations table; every vg_store_* function below
 * dispatches through that table, so a PostgreSQL backend can later sit behind
 * the same calls without touching callers.  Nothing outside src/store/ knows
 * SQL.
 *
 * Sharing rules are applied inside queries: every read of intelligence takes
 * the requester's policy tokens (vg_policy_tokens) and returns only what an
 * object-audience row grants to one of them.  Pages and counts therefore never
 * see what the requester may not.  Administrative reads (organisations, keys,
 * groups) carry no intelligence.
 *
 * Writes: vg_store_begin/commit group many puts in one transaction (the
 * importer commits every few thousand objects).  vg_store_put_object is
 * atomic per object: on failure nothing of that object remains.  Every stored
 * version appends one event to the hub's single event sequence, in the same
 * transaction.
 *
 * Threading: a handle is used by one thread at a time; open one per thread.
 * Strings in rows passed to callbacks are borrowed and valid only during the
 * callback.
 */
#ifndef VG_STORE_STORE_H
#define VG_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "model/obs.h"
#include "model/tlp.h"
#include "model/uuid.h"
#include "policy/policy.h"

struct vg_store;

enum vg_store_flags {
    VG_STORE_CREATE = 1, /* create the hub directory and database if absent */
};

/* Organisations: STIX identities with a kind and a country. */
#define VG_NAME_MAX 128
struct vg_org {
    int64_t id;
    char stix_id[VG_STIX_ID_MAX]; /* identity--… */
    char name[VG_NAME_MAX];
    char kind[32];     /* "law-enforcement", "vendor", "cert", "company", "operator" */
    char country[8];   /* ISO 3166-1 alpha-2, upper-case, or "" */
    char sectors[256]; /* comma-separated STIX industry-sector-ov values */
    int disabled;
    int is_operator;
    int64_t created_us;
};

enum vg_scope { VG_SCOPE_READ = 1, VG_SCOPE_WRITE = 2, VG_SCOPE_ADMIN = 4 };

#define VG_KEY_ID_MAX 40
struct vg_key {
    char id[VG_KEY_ID_MAX]; /* public id: the Basic-auth user name */
    int64_t org_id;
    unsigned scopes; /* VG_SCOPE_* bits */
    int64_t created_us;
    int64_t expires_us; /* 0: never */
    int revoked;
    char label[VG_NAME_MAX];
};

struct vg_group {
    int64_t id;
    char name[VG_NAME_MAX];
    char description[256];
    int64_t created_us;
};

/* A TAXII collection, and what the asking tokens may do with it. */
struct vg_collection {
    int64_t id;
    char uuid[VG_UUID_TEXT_LEN + 1]; /* the TAXII collection id */
    char title[VG_NAME_MAX];
    char description[256];
    int64_t created_us;
    int can_read, can_write; /* for the tokens of the scan */
};

typedef int (*vg_collection_cb)(void *ctx, const struct vg_collection *c);

/* One observable that one object claims (a contribution). */
struct vg_claim {
    enum vg_obs_kind kind;
    const char *value; /* canonical (vg_obs_parse) */
    size_t len;
    const char *label;     /* malware family or label, or NULL */
    int confidence;        /* 0-100, or -1 unknown */
    int64_t first_seen_us; /* 0 unknown */
    int64_t last_seen_us;  /* 0 unknown */
    /* The warning lists the value is on ("name\n" each), or NULL: recorded
     * with the value when it is new to the hub (docs/warninglists.md). */
    const char *warn;
};

/*
 * What a `sighting` object says, for the per-observable sighting counts
 * (docs/sightings.md): the indicator it is a sighting of, how many times
 * (STIX `count`, 1 when absent), when, and optionally the one observable
 * value the sighting itself carries (`x_vigie_value`, canonical).  The
 * sighting organisation is the contributor of the object.
 */
struct vg_sighting_facts {
    const char *of_ref; /* sighting_of_ref */
    int64_t count;
    int64_t first_seen_us, last_seen_us; /* 0 unknown */
    enum vg_obs_kind kind;               /* VG_OBS_NONE: no value carried */
    const char *value;
    size_t len;
};

/* One object version to store. */
struct vg_object_version {
    const char *stix_id;
    const char *type;
    const char *spec_version; /* "2.1" or NULL */
    int64_t created_us;
    int64_t modified_us; /* version key; SCOs without one use 0 */
    int revoked;
    enum vg_tlp tlp;
    const struct vg_audience *aud; /* from vg_policy_audience */
    int64_t org_id;                /* contributor: the authenticated org */
    int64_t collection_id;         /* 0: none */
    const char *json;              /* canonical JSON of the object */
    size_t json_len;
    /* SHA-256 of json[0..json_len) when the caller computed it (off the
     * writer's path: the ledger needs it), or NULL: the store computes it. */
    const uint8_t *json_sha256;
    size_t nclaims;
    const struct vg_claim *claims;
    const struct vg_sighting_facts *sighting; /* type "sighting" only, else NULL */
    /*
     * Ownership, decided inside the write: with writer_tokens set, a version
     * of this id stored by another organisation and visible to those tokens
     * makes the put VG_FORBIDDEN (only an object's contributor versions it),
     * unless shared_id (SCOs: each contributor keeps its own version).  What
     * the writer cannot see neither blocks it nor is revealed to it.
     */
    const vg_token *writer_tokens;
    size_t nwriter_tokens;
    int shared_id;
    int dedupe_by_id; /* any version of this id from this contributor: duplicate */
    /* The public id of the API key that sent it (the ledger records it), or
     * NULL: "cli" (the operator's shell on the hub's machine). */
    const char *key_id;
};

enum vg_put_result {
    VG_PUT_NEW,       /* first version of this id from this contributor */
    VG_PUT_VERSION,   /* another version of an id already stored */
    VG_PUT_DUPLICATE, /* this exact version (id, contributor, modified) exists */
};

/* Event kinds in the single sequence. */
enum vg_event_kind {
    VG_EV_ADDED = 1,
    VG_EV_VERSION,
    VG_EV_REVOKED,
    VG_EV_SIGHTING,
    VG_EV_DELETED, /* a contributor deleted versions of its object */
};

/*
 * A stored object version as reads return it.  Strings are borrowed for the
 * duration of the callback.
 */
struct vg_object_row {
    int64_t rowid;
    int64_t seq; /* event that stored it */
    const char *stix_id;
    const char *type;
    int64_t created_us;
    int64_t modified_us;
    int64_t date_added_us; /* strictly increasing over the store */
    int revoked;
    enum vg_tlp tlp;
    int64_t org_id;
    int64_t collection_id;
    const char *json; /* a deletion event: {"deleted":[modified...],"audience":[...]} */
    size_t json_len;
    enum vg_event_kind event_kind;
};

/*
 * Which versions of each id a read returns, among the versions the
 * requester can see.  Bits, ORed with the exact versions of
 * vg_object_filter.modified: VG_VERSIONS_LAST (0) alone, with no exact
 * version, means the latest; VG_VERSIONS_LATEST asks for the latest
 * together with other selections ("first,last").
 */
enum vg_versions {
    VG_VERSIONS_LAST = 0,
    VG_VERSIONS_ALL = 1,
    VG_VERSIONS_FIRST = 2,
    VG_VERSIONS_LATEST = 4,
};

/*
 * What to read.  tokens/ntokens is the requester's token set: with
 * ntokens == 0 nothing is visible.  Zero-valued fields mean "no filter".
 */
struct vg_object_filter {
    const vg_token *tokens;
    size_t ntokens;
    const char *stix_id;
    const char *type;
    const char *const *ids; /* any of these ids (with stix_id: that one too) */
    size_t nids;
    const char *const *types; /* any of these types (with type: that one too) */
    size_t ntypes;
    enum vg_obs_kind kind; /* objects claiming an observable of this kind */
    int has_max_tlp;
    enum vg_tlp max_tlp;
    int64_t org_id; /* contributor */
    int64_t collection_id;
    int64_t added_after_us;  /* date_added > this */
    int64_t after_rowid;     /* resume cursor: rowid > this */
    unsigned versions;       /* enum vg_versions bits, among visible versions of an id */
    const int64_t *modified; /* these exact versions too (modified timestamps) */
    size_t nmodified;
    const char *const *spec_versions; /* any of these STIX spec versions */
    size_t nspec_versions;
    size_t limit; /* 0: no limit */
    /*
     * The event stream: with events set, every event in sequence order
     * (after_rowid and upto_rowid bound it; an event's rowid is its seq) -
     * each stored version, and each deletion, seen by those who could see
     * what it deleted.  Versions are not selected; a version is an event for
     * the requester only while the contributor's later versions of the
     * object are visible to it too, so a tightened TLP stops the older
     * versions reaching those who lost access.  The lists below filter
     * further (deletions pass the kind and label filters: their claims are
     * erased).
     */
    int events;
    int64_t upto_rowid; /* 0: no bound */
    const enum vg_obs_kind *kinds;
    size_t nkinds;
    const int64_t *collection_ids;
    size_t ncollection_ids;
    const vg_token *groups; /* the audience names one of these groups */
    size_t ngroups;
    const char *const *labels; /* an observable claimed with one of these labels */
    size_t nlabels;
    /* the object claims an observable located in one of these countries
     * (ISO alpha-2, upper-case; stored enrichment, docs/geo.md) */
    const char *const *countries;
    size_t ncountries;
};

typedef int (*vg_object_cb)(void *ctx, const struct vg_object_row *row);

/*
 * The event log as a shared in-memory window reads it (the live stream,
 * docs/stream.md): every event in sequence order whoever may see it, with
 * what deciding visibility and the stream's filters needs.  Reads of the
 * window decide with vg_policy_visible() what the store decides with
 * vg_object_filter.events, so they must see the same facts: the audience as
 * stored (aud0 and the other tokens; for a deletion, the tokens recorded
 * in its JSON), whether a version has been erased since, and each claim's
 * observable kind and label.  (Not locations: enrichment changes after the
 * event, when a refresh runs, so only the store can answer for them at the
 * moment of sending.)  Strings and arrays are borrowed for the duration of
 * the callback.
 */
struct vg_event_claim {
    enum vg_obs_kind kind;
    const char *label; /* NULL: none */
};
struct vg_event_row {
    struct vg_object_row row; /* json: "" for an erased version */
    int erased;               /* a version deleted since: no audience, no claims */
    const vg_token *audience; /* who may see it; a deletion: who could see what it erased */
    size_t naudience;
    const struct vg_event_claim *claims;
    size_t nclaims;
    /* A deletion: the versions of its object (same id and contributor)
     * numbered from erased_since up to it that are erased now. */
    const int64_t *erased_rowids;
    size_t nerased;
};
typedef int (*vg_event_cb)(void *ctx, const struct vg_event_row *ev);

/* Where a watch-list notification sits in the event sequence: the event that
 * caused it (vg_store_notify_positions). */
struct vg_notify_position {
    int64_t id; /* hub-wide, increasing with object_rowid */
    int64_t org_id;
    int64_t object_rowid;
};
typedef int (*vg_notify_position_cb)(void *ctx, const struct vg_notify_position *p);

/*
 * Deleting versions of an object (TAXII "Delete an Object").  Only the
 * contributor's own versions go; which ones: those among the versions the
 * requester can see that match every filter given (all of them by default).
 */
struct vg_delete_request {
    const char *stix_id;
    int64_t org_id;        /* the requester's organisation: only its versions go */
    int64_t collection_id; /* 0: any collection */
    const vg_token *tokens;
    size_t ntokens;
    /* Which versions, as in struct vg_object_filter; with none of them,
     * all versions (the default of a deletion). */
    unsigned versions;
    const int64_t *modified;
    size_t nmodified;
    const char *const *spec_versions;
    size_t nspec_versions;
    const char *key_id; /* recorded in the ledger, as in struct vg_object_version */
};

/*
 * Where an observable is (docs/geo.md): its country and autonomous system,
 * as enrichment stored with the observable.  source says how it was found:
 * VG_GEO_MMDB (an address, a range's network or a URL's address host, in the
 * MMDB databases), VG_GEO_CCTLD (a domain's or URL host's country-code
 * top-level domain); reads add VG_GEO_RELATED (a domain or URL inheriting
 * the location of an address claimed by the same visible object).  build
 * identifies the databases that produced it (vg_geo_build), so a refresh
 * knows what is stale.
 */
enum vg_geo_source { VG_GEO_NONE = 0, VG_GEO_MMDB = 1, VG_GEO_CCTLD = 2, VG_GEO_RELATED = 3 };
#define VG_AS_NAME_MAX 256
struct vg_geo {
    char country[4]; /* ISO 3166-1 alpha-2, upper-case, or "" */
    int64_t asn;     /* 0: unknown */
    char as_name[VG_AS_NAME_MAX];
    enum vg_geo_source source;
    int64_t build;
};

/* One observable a refresh looks at (vg_store_geo_pending). */
struct vg_geo_item {
    int64_t obs_id;
    enum vg_obs_kind kind;
    const char *value; /* borrowed for the callback */
    size_t len;
};
typedef int (*vg_geo_item_cb)(void *ctx, const struct vg_geo_item *it);
/* One located observable of an object (vg_store_geo_claims). */
typedef int (*vg_geo_claim_cb)(void *ctx, enum vg_obs_kind kind, const char *value, size_t len,
                               const struct vg_geo *g);

/* One visible contribution (observable claimed by a visible object). */
struct vg_obs_row {
    int64_t obs_id;
    enum vg_obs_kind kind;
    const char *value;
    size_t len;
    const char *label; /* may be NULL */
    int confidence;
    int64_t first_seen_us, last_seen_us;
    enum vg_tlp tlp;
    int64_t org_id;
    const char *org_name;
    const char *org_pseudonym; /* the name it asked to be shown under, or NULL */
    const char *stix_id;       /* object making the claim */
    int64_t date_added_us;
    /* its location (struct vg_geo): "" / 0 / NULL when unknown; a domain or
     * URL without an address location of its own inherits that of an address
     * the same object claims (geo_source VG_GEO_RELATED) */
    const char *country;
    int64_t asn;
    const char *as_name;
    enum vg_geo_source geo_source;
    const char *warn; /* warning lists the value is on ("name\n" each), or NULL */
};

struct vg_obs_filter {
    const vg_token *tokens;
    size_t ntokens;
    enum vg_obs_kind kind;
    int has_max_tlp;
    enum vg_tlp max_tlp;
    int64_t org_id;
    const char *label;
    int64_t added_after_us;
    int distinct;      /* one row per observable (the first visible contribution) */
    const char *value; /* this one observable (of kind; canonical), or NULL */
    size_t value_len;
    /* located in one of these countries (ISO alpha-2, upper-case; the
     * row's country as in struct vg_obs_row) */
    const char *const *countries;
    size_t ncountries;
    int skip_warned; /* leave out values on a warning list */
};

typedef int (*vg_obs_cb)(void *ctx, const struct vg_obs_row *row);

/* A warning list the hub records (docs/warninglists.md): its description and
 * the list.json it was loaded from (json: only when asked for). */
struct vg_wl_row {
    int64_t id;
    const char *name, *version, *type, *description, *matching_attributes;
    int64_t entries, loaded_us;
    const char *json;
    size_t json_len;
};
typedef int (*vg_wl_row_cb)(void *ctx, const struct vg_wl_row *row);
/* The new warning flags of one value (warn NULL: on no list). */
typedef enum vg_rc (*vg_warn_fn)(void *ctx, enum vg_obs_kind kind, const char *value, size_t len,
                                 struct vg_buf *warn);
/* A value the hub holds: its number (ascending in order of arrival), kind
 * and canonical text (borrowed for the call). */
typedef int (*vg_value_cb)(void *ctx, int64_t id, enum vg_obs_kind kind, const char *value,
                           size_t len);

/*
 * Sightings of one observable, per sighting organisation, among what the
 * requester may see: the latest visible, unrevoked version of each
 * sighting object counts when it carries the value, or when it is a
 * sighting of an object that the requester may see and that claims the
 * value.  count: the sum of the sightings' counts; sightings: how many
 * sighting objects; first/last seen: their earliest and latest.
 */
struct vg_sighting_row {
    int64_t org_id;
    int64_t count;
    int64_t sightings;
    int64_t first_seen_us, last_seen_us; /* 0 unknown */
};
typedef int (*vg_sighting_cb)(void *ctx, const struct vg_sighting_row *row);

/*
 * The evidence ledger (docs/ledger.md): one leaf per event, written in the
 * transaction of the event, in a Merkle tree whose frontier is persisted at
 * every commit.  Entries are numbered from 0 in the order of the tree.
 */
struct vg_ledger_entry {
    uint64_t index;
    const uint8_t *leaf; /* recomputed from the stored rows (or stored, for log events) */
    size_t leaf_len;
    const uint8_t *hash;  /* the leaf hash the ledger stored */
    int64_t object_rowid; /* 0: not an object event */
    /* NULL, or what does not hold between the ledger and the rows (a row
     * missing, out of order, or unknown to the ledger): the entry diverges. */
    const char *problem;
    /* When this entry completes a block of 1,024 (index + 1 a multiple of
     * 1024): the block's root as the store keeps it for proofs, or NULL
     * when it keeps none yet; the verifier compares it with the tree. */
    const uint8_t *block_root;
};
typedef int (*vg_ledger_cb)(void *ctx, const struct vg_ledger_entry *e);

/* One stored checkpoint (a signed note). */
struct vg_checkpoint_row {
    int64_t id;
    uint64_t size;
    int64_t created_us;
    const char *note;
};
typedef int (*vg_checkpoint_cb)(void *ctx, const struct vg_checkpoint_row *c);

/*
 * An artefact: a file a partner attached to an object it contributed (a
 * malware sample, a captured page), kept as opaque bytes under the hub
 * directory by its SHA-256 (src/evidence/artefact.h).  The store keeps one
 * row per (object, content) and the ledger entry of the upload.
 */
#define VG_ARTEFACT_NAME_MAX 255
#define VG_ARTEFACT_TYPE_MAX 127
struct vg_artefact {
    uint8_t sha256[32];
    uint64_t size;
    const char *stix_id;    /* the object it is attached to */
    const char *name;       /* sanitised file name as declared, may be "" */
    const char *media_type; /* as declared (never interpreted), may be "" */
    int64_t org_id;         /* the uploader's organisation */
    const char *key_id;     /* the API key that sent it, "cli" */
    int64_t uploaded_us;
    uint64_t leaf_index; /* its ledger entry */
};
typedef int (*vg_artefact_cb)(void *ctx, const struct vg_artefact *a);

struct vg_store_stats {
    int64_t orgs, keys, groups, objects, versions, observables, contributions, events;
    int64_t last_seq;
};

/*
 * Asset watch lists (docs/watch.md, migration 11).  An entry is what one
 * organisation owns (kind: 1 network, 2 domain, 3 brand, as enum
 * vg_watch_kind; value canonical, checked by src/watch), known to its owner
 * by a random public id.  A notification records that an object version
 * touched an entry: the owner's own sequence number (so that its numbering
 * says nothing about anyone else's), the asset, the version (object_rowid)
 * and what matched.  What the owner may learn of the version is decided
 * when it reads (vg_store_notify_scan): the row says whether the version is
 * visible to the tokens given, by the event stream's rule.
 */
#define VG_WATCH_PUB_MAX 24
struct vg_watch_row {
    int64_t id;
    char pub[VG_WATCH_PUB_MAX]; /* "wl_" + 16 hex */
    int64_t org_id;
    int kind;
    const char *value; /* borrowed */
    int64_t created_us;
};
typedef int (*vg_watch_row_cb)(void *ctx, const struct vg_watch_row *w);

struct vg_watch_hook {
    int64_t org_id;
    char url[1024];
    char secret[80]; /* hex; wipe after use */
};

/* A new notification (inside a write transaction). */
struct vg_notify_new {
    int64_t org_id;
    int64_t watch_id;
    int asset_kind;
    const char *asset;
    int64_t object_rowid; /* the version (its event number) */
    enum vg_obs_kind obs_kind;
    const char *obs_value;
    size_t obs_len;
    int rule; /* enum vg_watch_rule */
};

enum vg_hook_state { VG_HOOK_NONE = 0, VG_HOOK_PENDING, VG_HOOK_DELIVERED, VG_HOOK_FAILED };

/* A notification as read, for the tokens of the reader.  With visible 0 the
 * fields about the object are zero/NULL: the caller cannot leak them. */
struct vg_notify_row {
    int64_t id;           /* hub-wide (internal: never shown) */
    int64_t object_rowid; /* the event that caused it (internal: the stream's position) */
    int64_t seq;          /* the owner's own number, 1, 2, ... */
    int64_t org_id;
    int asset_kind;
    const char *asset;
    int64_t created_us;
    int hook_state;
    int attempts;
    int64_t next_attempt_us;
    int visible;
    /* only when visible: */
    enum vg_obs_kind obs_kind;
    const char *obs_value;
    int rule;
    const char *stix_id;
    const char *type;
    enum vg_tlp tlp;
    int64_t contributor;
    const char *json;
    size_t json_len;
};
typedef int (*vg_notify_cb)(void *ctx, const struct vg_notify_row *n);

struct vg_notify_filter {
    int64_t org_id; /* required */
    const vg_token *tokens;
    size_t ntokens;
    int64_t after_seq;
    int64_t id; /* this one notification (hub-wide id), 0: any */
    /* caused by events in [rowid_min, rowid_max] (0: no bound) */
    int64_t rowid_min, rowid_max;
    size_t limit;
};

/* One webhook delivery attempt. */
struct vg_delivery_row {
    int64_t notification_seq;
    int attempt;
    int64_t at_us;
    int status; /* HTTP status, 0: no answer */
    const char *error;
};
typedef int (*vg_delivery_cb)(void *ctx, const struct vg_delivery_row *d);

/* The operations table each backend provides. */
struct vg_store_ops {
    const char *name;
    void (*close)(struct vg_store *st);
    enum vg_rc (*begin)(struct vg_store *st, struct vg_error *err);
    enum vg_rc (*commit)(struct vg_store *st, struct vg_error *err);
    void (*rollback)(struct vg_store *st);
    enum vg_rc (*read_begin)(struct vg_store *st, struct vg_error *err);
    void (*read_end)(struct vg_store *st);

    enum vg_rc (*meta_get)(struct vg_store *st, const char *key, char *out, size_t cap,
                           struct vg_error *err);
    enum vg_rc (*meta_set)(struct vg_store *st, const char *key, const char *value,
                           struct vg_error *err);

    enum vg_rc (*org_add)(struct vg_store *st, struct vg_org *org, struct vg_error *err);
    enum vg_rc (*org_update)(struct vg_store *st, const struct vg_org *org, struct vg_error *err);
    enum vg_rc (*org_get)(struct vg_store *st, const char *name_or_stix_id, struct vg_org *out,
                          struct vg_error *err);
    enum vg_rc (*org_get_by_id)(struct vg_store *st, int64_t id, struct vg_org *out,
                                struct vg_error *err);
    enum vg_rc (*org_list)(struct vg_store *st, int (*cb)(void *, const struct vg_org *), void *ctx,
                           struct vg_error *err);
    enum vg_rc (*org_groups)(struct vg_store *st, int64_t org_id, int64_t *out, size_t cap,
                             size_t *n, struct vg_error *err);

    enum vg_rc (*key_add)(struct vg_store *st, const struct vg_key *key,
                          const uint8_t secret_hash[32], struct vg_error *err);
    enum vg_rc (*key_get)(struct vg_store *st, const char *id, struct vg_key *out,
                          uint8_t secret_hash[32], struct vg_error *err);
    enum vg_rc (*key_list)(struct vg_store *st, int64_t org_id,
                           int (*cb)(void *, const struct vg_key *), void *ctx,
                           struct vg_error *err);
    enum vg_rc (*key_revoke)(struct vg_store *st, const char *id, struct vg_error *err);

    enum vg_rc (*group_add)(struct vg_store *st, struct vg_group *g, struct vg_error *err);
    enum vg_rc (*group_get)(struct vg_store *st, const char *name, struct vg_group *out,
                            struct vg_error *err);
    enum vg_rc (*group_list)(struct vg_store *st, int (*cb)(void *, const struct vg_group *),
                             void *ctx, struct vg_error *err);
    enum vg_rc (*group_member_add)(struct vg_store *st, int64_t group_id, int64_t org_id,
                                   struct vg_error *err);
    enum vg_rc (*group_member_remove)(struct vg_store *st, int64_t group_id, int64_t org_id,
                                      struct vg_error *err);
    enum vg_rc (*group_members)(struct vg_store *st, int64_t group_id,
                                int (*cb)(void *, const struct vg_org *), void *ctx,
                                struct vg_error *err);

    enum vg_rc (*collection_add)(struct vg_store *st, struct vg_collection *c,
                                 struct vg_error *err);
    enum vg_rc (*collection_grant)(struct vg_store *st, int64_t collection_id, vg_token token,
                                   int can_read, int can_write, struct vg_error *err);
    enum vg_rc (*collection_scan)(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                                  unsigned flags, const char *uuid, vg_collection_cb cb, void *ctx,
                                  struct vg_error *err);

    enum vg_rc (*status_put)(struct vg_store *st, const char *id, int64_t org_id, const char *json,
                             struct vg_error *err);
    enum vg_rc (*status_get)(struct vg_store *st, const char *id, int64_t org_id, char **json,
                             struct vg_error *err);

    enum vg_rc (*put_object)(struct vg_store *st, const struct vg_object_version *v,
                             enum vg_put_result *result, int64_t *seq, struct vg_error *err);
    enum vg_rc (*delete_object)(struct vg_store *st, const struct vg_delete_request *d,
                                size_t *deleted, int64_t *seq, struct vg_error *err);
    enum vg_rc (*scan_objects)(struct vg_store *st, const struct vg_object_filter *f,
                               vg_object_cb cb, void *ctx, struct vg_error *err);
    enum vg_rc (*scan_events)(struct vg_store *st, int64_t after, size_t limit,
                              int64_t erased_since, vg_event_cb cb, void *ctx,
                              struct vg_error *err);
    enum vg_rc (*scan_observables)(struct vg_store *st, const struct vg_obs_filter *f, vg_obs_cb cb,
                                   void *ctx, struct vg_error *err);
    enum vg_rc (*scan_sightings)(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                                 enum vg_obs_kind kind, const char *value, size_t len,
                                 vg_sighting_cb cb, void *ctx, struct vg_error *err);
    enum vg_rc (*head)(struct vg_store *st, int64_t *seq, struct vg_error *err);
    enum vg_rc (*defer_sync)(struct vg_store *st, struct vg_error *err);
    enum vg_rc (*sync)(struct vg_store *st, struct vg_error *err);
    enum vg_rc (*scan_values)(struct vg_store *st, int64_t after, vg_value_cb cb, void *ctx,
                              struct vg_error *err);
    enum vg_rc (*seq_added_by)(struct vg_store *st, int64_t us, int64_t *seq, struct vg_error *err);
    enum vg_rc (*stats)(struct vg_store *st, struct vg_store_stats *out, struct vg_error *err);
    enum vg_rc (*check)(struct vg_store *st, struct vg_error *err); /* integrity check */

    /* ledger: see docs/ledger.md and the dispatchers below */
    enum vg_rc (*ledger_head)(struct vg_store *st, uint64_t *size, uint8_t root[32],
                              struct vg_error *err);
    enum vg_rc (*ledger_append)(struct vg_store *st, const uint8_t *leaf, size_t len,
                                uint64_t *index, struct vg_error *err);
    enum vg_rc (*ledger_entry)(struct vg_store *st, uint64_t index, uint8_t *leaf, size_t *len,
                               char **json, struct vg_error *err);
    enum vg_rc (*ledger_find)(struct vg_store *st, const char *stix_id, int64_t modified_us,
                              const vg_token *tokens, size_t ntokens, uint64_t *index,
                              struct vg_error *err);
    enum vg_rc (*ledger_inclusion)(struct vg_store *st, uint64_t index, uint64_t size,
                                   uint8_t (*path)[32], size_t *npath, struct vg_error *err);
    enum vg_rc (*ledger_consistency)(struct vg_store *st, uint64_t m, uint64_t n,
                                     uint8_t (*proof)[32], size_t *nproof, struct vg_error *err);
    enum vg_rc (*ledger_scan)(struct vg_store *st, vg_ledger_cb cb, void *ctx,
                              struct vg_error *err);
    enum vg_rc (*checkpoint_put)(struct vg_store *st, uint64_t size, const char *note,
                                 struct vg_error *err);
    enum vg_rc (*checkpoint_scan)(struct vg_store *st, int latest_only, vg_checkpoint_cb cb,
                                  void *ctx, struct vg_error *err);
    /* artefacts: see the dispatchers below */
    enum vg_rc (*artefact_add)(struct vg_store *st, struct vg_artefact *a, size_t max_per_object,
                               int *created, struct vg_error *err);
    enum vg_rc (*artefact_scan)(struct vg_store *st, const char *stix_id, const uint8_t *sha256,
                                vg_artefact_cb cb, void *ctx, struct vg_error *err);
    /* enrichment and jurisdictions: see the dispatchers below */
    enum vg_rc (*geo_pending)(struct vg_store *st, int64_t build, int64_t after_id, size_t limit,
                              vg_geo_item_cb cb, void *ctx, struct vg_error *err);
    enum vg_rc (*geo_put)(struct vg_store *st, const int64_t *obs_ids, const struct vg_geo *g,
                          size_t n, struct vg_error *err);
    enum vg_rc (*geo_get)(struct vg_store *st, enum vg_obs_kind kind, const char *value, size_t len,
                          struct vg_geo *out, struct vg_error *err);
    enum vg_rc (*jurisdiction_set)(struct vg_store *st, int64_t org_id, const char *const *codes,
                                   size_t n, struct vg_error *err);
    enum vg_rc (*jurisdiction_get)(struct vg_store *st, int64_t org_id, char *out, size_t cap,
                                   struct vg_error *err);
    enum vg_rc (*geo_claims)(struct vg_store *st, int64_t object_rowid, vg_geo_claim_cb cb,
                             void *ctx, struct vg_error *err);
    /* watch lists and notifications: see the dispatchers below */
    enum vg_rc (*watch_add)(struct vg_store *st, struct vg_watch_row *w, size_t max_per_org,
                            struct vg_error *err);
    enum vg_rc (*watch_remove)(struct vg_store *st, int64_t org_id, const char *pub,
                               struct vg_error *err);
    enum vg_rc (*watch_scan)(struct vg_store *st, int64_t org_id, vg_watch_row_cb cb, void *ctx,
                             struct vg_error *err);
    enum vg_rc (*watch_stamp)(struct vg_store *st, char *out, size_t cap, struct vg_error *err);
    enum vg_rc (*watch_hook_set)(struct vg_store *st, const struct vg_watch_hook *h,
                                 struct vg_error *err);
    enum vg_rc (*watch_hook_get)(struct vg_store *st, int64_t org_id, struct vg_watch_hook *out,
                                 struct vg_error *err);
    enum vg_rc (*notify_add)(struct vg_store *st, const struct vg_notify_new *n,
                             struct vg_error *err);
    enum vg_rc (*notify_scan)(struct vg_store *st, const struct vg_notify_filter *f,
                              vg_notify_cb cb, void *ctx, struct vg_error *err);
    enum vg_rc (*notify_positions)(struct vg_store *st, int64_t after_id, int64_t upto_rowid,
                                   size_t limit, vg_notify_position_cb cb, void *ctx,
                                   struct vg_error *err);
    enum vg_rc (*notify_pending)(struct vg_store *st, int64_t now_us, const int64_t *skip,
                                 size_t nskip, size_t limit, int64_t *ids, int64_t *orgs, size_t *n,
                                 struct vg_error *err);
    enum vg_rc (*notify_attempt)(struct vg_store *st, int64_t id, int64_t at_us, int status,
                                 const char *error, int64_t next_attempt_us, int state,
                                 struct vg_error *err);
    enum vg_rc (*delivery_scan)(struct vg_store *st, int64_t org_id, int64_t seq, vg_delivery_cb cb,
                                void *ctx, struct vg_error *err);
    /* warning lists: see the dispatchers below */
    enum vg_rc (*warninglist_put)(struct vg_store *st, const struct vg_wl_row *row,
                                  struct vg_error *err);
    enum vg_rc (*warninglist_delete)(struct vg_store *st, const char *name, struct vg_error *err);
    enum vg_rc (*warninglist_scan)(struct vg_store *st, int with_json, vg_wl_row_cb cb, void *ctx,
                                   struct vg_error *err);
    enum vg_rc (*warn_reflag)(struct vg_store *st, vg_warn_fn fn, void *ctx, size_t *flagged,
                              struct vg_error *err);
};

struct vg_store {
    const struct vg_store_ops *ops;
};

/* Open the hub in dir.  VG_NOT_FOUND when it does not exist and
 * VG_STORE_CREATE is not given. */
enum vg_rc vg_store_open(const char *dir, unsigned flags, struct vg_store **out,
                         struct vg_error *err);
void vg_store_close(struct vg_store *st);

/* Build the principal of an organisation (its groups, its standing). */
enum vg_rc vg_store_principal(struct vg_store *st, int64_t org_id, struct vg_principal *out,
                              struct vg_error *err);
/* The same from org as just read (in the same snapshot): one query less. */
enum vg_rc vg_store_principal_of(struct vg_store *st, const struct vg_org *org,
                                 struct vg_principal *out, struct vg_error *err);

/* Thin dispatchers, one per operation (see the table above). */
enum vg_rc vg_store_begin(struct vg_store *st, struct vg_error *err);
enum vg_rc vg_store_commit(struct vg_store *st, struct vg_error *err);
void vg_store_rollback(struct vg_store *st);
/* A read snapshot: the reads between read_begin and read_end see one state
 * of the hub and pay for locks once, not per statement.  No write on this
 * handle in between. */
enum vg_rc vg_store_read_begin(struct vg_store *st, struct vg_error *err);
void vg_store_read_end(struct vg_store *st);
enum vg_rc vg_store_meta_get(struct vg_store *st, const char *key, char *out, size_t cap,
                             struct vg_error *err);
enum vg_rc vg_store_meta_set(struct vg_store *st, const char *key, const char *value,
                             struct vg_error *err);
enum vg_rc vg_store_org_add(struct vg_store *st, struct vg_org *org, struct vg_error *err);
enum vg_rc vg_store_org_update(struct vg_store *st, const struct vg_org *org, struct vg_error *err);
enum vg_rc vg_store_org_get(struct vg_store *st, const char *name_or_stix_id, struct vg_org *out,
                            struct vg_error *err);
enum vg_rc vg_store_org_get_by_id(struct vg_store *st, int64_t id, struct vg_org *out,
                                  struct vg_error *err);
enum vg_rc vg_store_org_list(struct vg_store *st, int (*cb)(void *, const struct vg_org *),
                             void *ctx, struct vg_error *err);
enum vg_rc vg_store_key_add(struct vg_store *st, const struct vg_key *key,
                            const uint8_t secret_hash[32], struct vg_error *err);
enum vg_rc vg_store_key_get(struct vg_store *st, const char *id, struct vg_key *out,
                            uint8_t secret_hash[32], struct vg_error *err);
enum vg_rc vg_store_key_list(struct vg_store *st, int64_t org_id,
                             int (*cb)(void *, const struct vg_key *), void *ctx,
                             struct vg_error *err);
enum vg_rc vg_store_key_revoke(struct vg_store *st, const char *id, struct vg_error *err);
enum vg_rc vg_store_group_add(struct vg_store *st, struct vg_group *g, struct vg_error *err);
enum vg_rc vg_store_group_get(struct vg_store *st, const char *name, struct vg_group *out,
                              struct vg_error *err);
enum vg_rc vg_store_group_list(struct vg_store *st, int (*cb)(void *, const struct vg_group *),
                               void *ctx, struct vg_error *err);
enum vg_rc vg_store_group_member_add(struct vg_store *st, int64_t group_id, int64_t org_id,
                                     struct vg_error *err);
enum vg_rc vg_store_group_member_remove(struct vg_store *st, int64_t group_id, int64_t org_id,
                                        struct vg_error *err);
enum vg_rc vg_store_group_members(struct vg_store *st, int64_t group_id,
                                  int (*cb)(void *, const struct vg_org *), void *ctx,
                                  struct vg_error *err);
/* Collections: add one (uuid generated when empty); grant a token (an
 * organisation's, a group's or the community's) read and/or write rights;
 * list those the tokens may read or write (none without tokens, as for
 * objects), or only the one with uuid.  VG_COLLECTIONS_ALL asks for the
 * operator's view instead: every collection, tokens ignored; only the
 * operator's own commands may pass it. */
#define VG_COLLECTIONS_ALL 1u
enum vg_rc vg_store_collection_add(struct vg_store *st, struct vg_collection *c,
                                   struct vg_error *err);
enum vg_rc vg_store_collection_grant(struct vg_store *st, int64_t collection_id, vg_token token,
                                     int can_read, int can_write, struct vg_error *err);
enum vg_rc vg_store_collection_scan(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                                    unsigned flags, const char *uuid, vg_collection_cb cb,
                                    void *ctx, struct vg_error *err);
/* TAXII status resources: stored as the JSON answered; read back only by the
 * organisation that made the request (*json is the caller's to free). */
enum vg_rc vg_store_status_put(struct vg_store *st, const char *id, int64_t org_id,
                               const char *json, struct vg_error *err);
enum vg_rc vg_store_status_get(struct vg_store *st, const char *id, int64_t org_id, char **json,
                               struct vg_error *err);
enum vg_rc vg_store_put_object(struct vg_store *st, const struct vg_object_version *v,
                               enum vg_put_result *result, int64_t *seq, struct vg_error *err);
/*
 * Delete versions of an object (see struct vg_delete_request), as one event
 * of kind VG_EV_DELETED.  The versions' content, audience and claims are
 * erased; their rows stay, invisible to every read, so that the event
 * sequence keeps no gap.  VG_NOT_FOUND when no visible version matches (the
 * answer for what the requester may not see), VG_FORBIDDEN when the
 * matching versions are all another organisation's.  *deleted: how many.
 */
enum vg_rc vg_store_delete_object(struct vg_store *st, const struct vg_delete_request *d,
                                  size_t *deleted, int64_t *seq, struct vg_error *err);
enum vg_rc vg_store_scan_objects(struct vg_store *st, const struct vg_object_filter *f,
                                 vg_object_cb cb, void *ctx, struct vg_error *err);
/* Events numbered above `after`, at most limit (0: no limit), in order,
 * each with its audience, claims and erasure (struct vg_event_row); a
 * deletion lists the versions of its object from erased_since that are
 * erased.  No policy applies: for the stream's window, which applies it to
 * each event it sends.  Call inside a read snapshot (vg_store_read_begin) to
 * see one state.  A non-zero return from cb stops the scan. */
enum vg_rc vg_store_scan_events(struct vg_store *st, int64_t after, size_t limit,
                                int64_t erased_since, vg_event_cb cb, void *ctx,
                                struct vg_error *err);
enum vg_rc vg_store_scan_observables(struct vg_store *st, const struct vg_obs_filter *f,
                                     vg_obs_cb cb, void *ctx, struct vg_error *err);
/* Every value the hub holds numbered above `after`, in order, whoever
 * claims it and whether anyone still does: for in-memory indexes that must
 * never miss one (policy applies later, to what they find).  A non-zero
 * return from cb stops the scan. */
enum vg_rc vg_store_scan_values(struct vg_store *st, int64_t after, vg_value_cb cb, void *ctx,
                                struct vg_error *err);
/* Sightings of one canonical observable (see struct vg_sighting_row), one
 * row per sighting organisation in organisation order; nothing without
 * tokens, nothing for an unknown value. */
enum vg_rc vg_store_scan_sightings(struct vg_store *st, const vg_token *tokens, size_t ntokens,
                                   enum vg_obs_kind kind, const char *value, size_t len,
                                   vg_sighting_cb cb, void *ctx, struct vg_error *err);
/* The last event's sequence number (0 for an empty hub). */
enum vg_rc vg_store_head(struct vg_store *st, int64_t *seq, struct vg_error *err);
/*
 * Deferred sync, for a server's shared write handle: from now on a commit
 * on st returns once its transaction is written (in the operating system's
 * cache: it survives the process, not yet a power cut), and the caller
 * makes it durable with vg_store_sync before acknowledging anything, after
 * giving the handle back, so that the next writer commits while this one
 * waits for the disk.  One sync covers every commit written before it, so
 * concurrent writers' syncs overlap (group commit at the disk).  A failed
 * sync is as fatal as a failed commit (every later write fails).
 */
enum vg_rc vg_store_defer_sync(struct vg_store *st, struct vg_error *err);
/* Make every commit written so far durable (nothing to do when st does not
 * defer).  Safe to call from any thread while another uses st. */
enum vg_rc vg_store_sync(struct vg_store *st, struct vg_error *err);
/* The last event added at or before us (0: none). */
enum vg_rc vg_store_seq_added_by(struct vg_store *st, int64_t us, int64_t *seq,
                                 struct vg_error *err);
enum vg_rc vg_store_stats(struct vg_store *st, struct vg_store_stats *out, struct vg_error *err);
enum vg_rc vg_store_check(struct vg_store *st, struct vg_error *err);
/* 1 once a sync to disk has failed in this process: from then on every write
 * transaction fails with VG_IO (reads go on) until the process restarts. */
int vg_store_sync_failed(void);

/* Backend constructors (one per backend folder). */
enum vg_rc vg_store_sqlite_open(const char *path, unsigned flags, struct vg_store **out,
                                struct vg_error *err);

/*
 * Ledger.  ledger_head: size and root of the committed tree (or of the open
 * transaction's).  ledger_append: a leaf that is not an object event (the
 * log's key, an artefact), inside a write transaction; object versions get
 * theirs from put_object.  ledger_entry: leaf `index` (out: VG_LEAF_MAX
 * bytes) and, for an object event, the object text (caller frees; may be
 * NULL).  ledger_find: the entry of the version of stix_id stored at
 * modified_us (or the latest, with -1) among those the tokens may see:
 * VG_NOT_FOUND otherwise, whether it exists or not.  ledger_inclusion /
 * ledger_consistency: RFC 9162 proofs over the first `size` (n) leaves
 * (VG_MERKLE_MAX_PROOF hashes).  ledger_scan: every entry in tree order,
 * each leaf recomputed from the stored rows, for `vigie verify --hub`.
 * checkpoint_put/scan: signed checkpoints, oldest first (or the latest).
 */
enum vg_rc vg_store_ledger_head(struct vg_store *st, uint64_t *size, uint8_t root[32],
                                struct vg_error *err);
enum vg_rc vg_store_ledger_append(struct vg_store *st, const uint8_t *leaf, size_t len,
                                  uint64_t *index, struct vg_error *err);
enum vg_rc vg_store_ledger_entry(struct vg_store *st, uint64_t index, uint8_t *leaf, size_t *len,
                                 char **json, struct vg_error *err);
enum vg_rc vg_store_ledger_find(struct vg_store *st, const char *stix_id, int64_t modified_us,
                                const vg_token *tokens, size_t ntokens, uint64_t *index,
                                struct vg_error *err);
enum vg_rc vg_store_ledger_inclusion(struct vg_store *st, uint64_t index, uint64_t size,
                                     uint8_t (*path)[32], size_t *npath, struct vg_error *err);
enum vg_rc vg_store_ledger_consistency(struct vg_store *st, uint64_t m, uint64_t n,
                                       uint8_t (*proof)[32], size_t *nproof, struct vg_error *err);
enum vg_rc vg_store_ledger_scan(struct vg_store *st, vg_ledger_cb cb, void *ctx,
                                struct vg_error *err);
enum vg_rc vg_store_checkpoint_put(struct vg_store *st, uint64_t size, const char *note,
                                   struct vg_error *err);
enum vg_rc vg_store_checkpoint_scan(struct vg_store *st, int latest_only, vg_checkpoint_cb cb,
                                    void *ctx, struct vg_error *err);

/*
 * Artefacts.  artefact_add: inside a write transaction, attach a (already
 * stored) file to a->stix_id and append its ledger entry (action
 * VG_LEAF_ARTEFACT: subject the object id, SHA-256 of the bytes, the size
 * as modified_us); a->uploaded_us and a->leaf_index are set.  Attaching the
 * same content to the same object again is no new entry: *created is 0 and
 * *a the first upload.  VG_CONFLICT when the object already has
 * max_per_object artefacts (0: no limit).  The caller checks who may
 * attach.  artefact_scan: the rows of one object (stix_id), of one content
 * (sha256), or all (both NULL), in upload order; no policy applies here:
 * the caller filters by the visibility of the objects named.
 */
enum vg_rc vg_store_artefact_add(struct vg_store *st, struct vg_artefact *a, size_t max_per_object,
                                 int *created, struct vg_error *err);
enum vg_rc vg_store_artefact_scan(struct vg_store *st, const char *stix_id, const uint8_t *sha256,
                                  vg_artefact_cb cb, void *ctx, struct vg_error *err);

/*
 * Enrichment (docs/geo.md).  geo_pending: up to limit observables of the
 * kinds that can be located (addresses, ranges, domains, URLs) with id >
 * after_id, in id order, whose stored enrichment is absent or from another
 * build than `build`.  geo_put: store g[i] for obs_ids[i] (replacing any),
 * the n of them in one transaction of their own (so not inside
 * vg_store_begin/commit: enrichment is no event and needs none of a put's
 * bookkeeping); all or nothing.  An empty g (no country, no asn) is stored
 * too, so that the build is remembered.  geo_get: the stored enrichment of one
 * observable, VG_NOT_FOUND when it is not in the hub or has none; it carries
 * no intelligence (no contribution, no organisation) and the caller only
 * asks about values the requester may see.
 *
 * Jurisdictions: the countries (ISO alpha-2) or named regions ("EU") an
 * organisation declares it covers.  jurisdiction_set replaces the list (n 0
 * clears it); jurisdiction_get writes it comma-separated in declaration
 * order ("" for none).  Codes are stored as given (upper-case); expanding
 * regions is the caller's (src/geo/region.c).
 */
enum vg_rc vg_store_geo_pending(struct vg_store *st, int64_t build, int64_t after_id, size_t limit,
                                vg_geo_item_cb cb, void *ctx, struct vg_error *err);
enum vg_rc vg_store_geo_put(struct vg_store *st, const int64_t *obs_ids, const struct vg_geo *g,
                            size_t n, struct vg_error *err);
enum vg_rc vg_store_geo_get(struct vg_store *st, enum vg_obs_kind kind, const char *value,
                            size_t len, struct vg_geo *out, struct vg_error *err);
/* The located observables one object version (its rowid, as scans return
 * it) claims, in observable order, a domain or URL inheriting as in
 * struct vg_obs_row.  No policy here: the caller passes a version the
 * requester may see (the stream, for an event it is sending). */
enum vg_rc vg_store_geo_claims(struct vg_store *st, int64_t object_rowid, vg_geo_claim_cb cb,
                               void *ctx, struct vg_error *err);
enum vg_rc vg_store_jurisdiction_set(struct vg_store *st, int64_t org_id, const char *const *codes,
                                     size_t n, struct vg_error *err);
enum vg_rc vg_store_jurisdiction_get(struct vg_store *st, int64_t org_id, char *out, size_t cap,
                                     struct vg_error *err);

/*
 * Watch lists (docs/watch.md).  watch_add: w->org_id, kind, value and pub
 * set by the caller (value canonical); VG_CONFLICT when the organisation
 * already watches it, VG_LIMIT beyond max_per_org entries; sets id and
 * created_us.  watch_remove: only the organisation's own entry; VG_NOT_FOUND
 * for any other (another's answers as one that never existed).  watch_scan:
 * one organisation's entries (org_id 0: every organisation's, for the
 * matcher), in registration order.  watch_stamp: a short text that changes
 * whenever any list changes (and names the hub): the key of compiled
 * matchers.  watch_hook_set/get: an organisation's webhook (url "" removes
 * it); VG_NOT_FOUND when none.
 *
 * Notifications.  notify_add: inside the write transaction of the version
 * that caused it, so a version rolled back notifies nobody; pending for the
 * webhook when the organisation has one.  notify_scan: the organisation's
 * notifications after after_seq, oldest first, each with whether its
 * version is visible to the tokens (the version, and every later version of
 * the object by its contributor, visible: the stream's rule, so a TLP
 * tightened after the fact hides it); the object fields only then.
 * notify_pending: up to limit webhook deliveries due at now_us (ids and
 * organisations), oldest first, of organisations other than the nskip in
 * skip (those with a delivery in flight: however many of theirs are due,
 * they cannot crowd out the others').  notify_attempt: record one attempt begun at at_us (its
 * own transaction)
 * and the new state (VG_HOOK_PENDING with the next attempt's time,
 * DELIVERED or FAILED).  delivery_scan: the attempts of one notification.
 */
enum vg_rc vg_store_watch_add(struct vg_store *st, struct vg_watch_row *w, size_t max_per_org,
                              struct vg_error *err);
enum vg_rc vg_store_watch_remove(struct vg_store *st, int64_t org_id, const char *pub,
                                 struct vg_error *err);
enum vg_rc vg_store_watch_scan(struct vg_store *st, int64_t org_id, vg_watch_row_cb cb, void *ctx,
                               struct vg_error *err);
enum vg_rc vg_store_watch_stamp(struct vg_store *st, char *out, size_t cap, struct vg_error *err);
enum vg_rc vg_store_watch_hook_set(struct vg_store *st, const struct vg_watch_hook *h,
                                   struct vg_error *err);
enum vg_rc vg_store_watch_hook_get(struct vg_store *st, int64_t org_id, struct vg_watch_hook *out,
                                   struct vg_error *err);
enum vg_rc vg_store_notify_add(struct vg_store *st, const struct vg_notify_new *n,
                               struct vg_error *err);
enum vg_rc vg_store_notify_scan(struct vg_store *st, const struct vg_notify_filter *f,
                                vg_notify_cb cb, void *ctx, struct vg_error *err);
/* Every organisation's notifications with id above after_id caused by events
 * up to upto_rowid, in id order (which is their events' order: a
 * notification is written in its event's transaction), at most limit (0: no
 * limit).  Positions only: nothing about the objects. */
enum vg_rc vg_store_notify_positions(struct vg_store *st, int64_t after_id, int64_t upto_rowid,
                                     size_t limit, vg_notify_position_cb cb, void *ctx,
                                     struct vg_error *err);
enum vg_rc vg_store_notify_pending(struct vg_store *st, int64_t now_us, const int64_t *skip,
                                   size_t nskip, size_t limit, int64_t *ids, int64_t *orgs,
                                   size_t *n, struct vg_error *err);
enum vg_rc vg_store_notify_attempt(struct vg_store *st, int64_t id, int64_t at_us, int status,
                                   const char *error, int64_t next_attempt_us, int state,
                                   struct vg_error *err);
enum vg_rc vg_store_delivery_scan(struct vg_store *st, int64_t org_id, int64_t seq,
                                  vg_delivery_cb cb, void *ctx, struct vg_error *err);

/*
 * Warning lists (docs/warninglists.md).  warninglist_put: record a list,
 * replacing the one of the same name; warninglist_delete: VG_NOT_FOUND when
 * none has that name; warninglist_scan: the lists by name (with their
 * list.json when with_json).  warn_reflag: every value the hub holds gets
 * the flags fn gives it (values whose flags do not change are not written);
 * *flagged counts the values on some list.  Call these inside one write
 * transaction together with the generation in the meta table
 * (VG_WL_META_GENERATION), so that readers see the lists and the flags change
 * at once.  Warning lists carry no intelligence: no policy applies.
 */
enum vg_rc vg_store_warninglist_put(struct vg_store *st, const struct vg_wl_row *row,
                                    struct vg_error *err);
enum vg_rc vg_store_warninglist_delete(struct vg_store *st, const char *name, struct vg_error *err);
enum vg_rc vg_store_warninglist_scan(struct vg_store *st, int with_json, vg_wl_row_cb cb, void *ctx,
                                     struct vg_error *err);
enum vg_rc vg_store_warn_reflag(struct vg_store *st, vg_warn_fn fn, void *ctx, size_t *flagged,
                                struct vg_error *err);

#endif
