/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.c - tokens held, tokens granted, and whether they meet.
 */
#include "policy.h"

size_t vg_policy_tokens(const struct vg_principal *p, vg_token *out)
{
    size_t n = 0, i;

    /* A failed or empty authentication, or a disabled organisation, holds no
     * token at all: it sees nothing, not even its own past contributions. */
    if (p == NULL || p->org_id <= 0 || !p->good_standing)
        return 0;
    out[n++] = vg_token_org(p->org_id);
    out[n++] = VG_TOKEN_COMMUNITY;
    for (i = 0; i < p->ngroups && i < VG_PRINCIPAL_GROUPS_MAX; i++)
        out[n++] = vg_token_group(p->groups[i]);
    return n;
}

enum vg_rc vg_policy_audience(enum vg_tlp tlp, int64_t contributor_org, const int64_t *groups,
                              size_t ngroups, const int64_t *orgs, size_t norgs,
                              struct vg_audience *out)
{
    enum vg_rc rc;
    size_t i;

    out->n = 0;
    if (contributor_org <= 0 || (unsigned)tlp >= VG_TLP_COUNT)
        return VG_INVALID;
    if ((rc = vg_audience_add(out, vg_token_org(contributor_org))) != VG_OK)
        return rc;
    for (i = 0; i < ngroups; i++) {
        if ((rc = vg_audience_add(out, vg_token_group(groups[i]))) != VG_OK)
            return rc;
    }
    for (i = 0; i < norgs; i++) {
        if ((rc = vg_audience_add(out, vg_token_org(orgs[i]))) != VG_OK)
            return rc;
    }
    if (tlp != VG_TLP_RED && ngroups == 0 && norgs == 0)
        rc = vg_audience_add(out, VG_TOKEN_COMMUNITY);
    return rc;
}

int vg_policy_visible(const vg_token *held, size_t nheld, const struct vg_audience *aud)
{
    size_t i, j;

    for (i = 0; i < nheld; i++) {
        for (j = 0; j < aud->n; j++) {
            if (held[i] == aud->tok[j])
                return 1;
        }
    }
    return 0;
}

int vg_policy_may_leave_hub(enum vg_tlp tlp)
{
    return tlp == VG_TLP_CLEAR || tlp == VG_TLP_GREEN || tlp == VG_TLP_AMBER;
}
