/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.h - the one decision: may this organisation see this?
 *
 * A requester holds a set of tokens: its own org:O, group:G for every sharing
 * group it belongs to, and community while it is in good standing (not
 * disabled).  An object version carries the tokens that may see it (its
 * audience), computed once when it is stored by vg_policy_audience().  The
 * requester sees the object when the two sets meet.  The store evaluates the
 * same rule inside its queries (a join on the object-audience table); code
 * that holds objects in memory (stream, index) calls vg_policy_visible().
 *
 * Defaults (DESIGN §3): CLEAR, GREEN, AMBER and AMBER+STRICT go to the
 * community unless groups or organisations are named; RED goes only to those
 * named, and with none named stays with its contributor.  The contributor's
 * own org token is always in the audience.  The server decides: nothing in a
 * payload can add a token the contributor did not ask for through its own
 * request parameters.
 */
#ifndef VG_POLICY_POLICY_H
#define VG_POLICY_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "model/tlp.h"

#define VG_PRINCIPAL_GROUPS_MAX 256

struct vg_principal {
    int64_t org_id;    /* 0: no organisation, holds nothing */
    int good_standing; /* organisation exists and is not disabled */
    size_t ngroups;
    int64_t groups[VG_PRINCIPAL_GROUPS_MAX];
};

#define VG_POLICY_TOKENS_MAX (VG_PRINCIPAL_GROUPS_MAX + 2)

/* Tokens a principal holds; returns their number (0 for no organisation or
 * an organisation not in good standing: a disabled organisation sees nothing). */
size_t vg_policy_tokens(const struct vg_principal *p, vg_token *out);

/*
 * Audience of an object version contributed by contributor_org at tlp, with
 * the groups and organisations named by the contributor (may be empty).
 */
enum vg_rc vg_policy_audience(enum vg_tlp tlp, int64_t contributor_org, const int64_t *groups,
                              size_t ngroups, const int64_t *orgs, size_t norgs,
                              struct vg_audience *out);

/* 1 when a holder of held[0..nheld) may see an object with audience aud. */
int vg_policy_visible(const vg_token *held, size_t nheld, const struct vg_audience *aud);

/* May this TLP leave the hub by federation or bulk feed?  (Never AMBER+STRICT or RED.) */
int vg_policy_may_leave_hub(enum vg_tlp tlp);

#endif
