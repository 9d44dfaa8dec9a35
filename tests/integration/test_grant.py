"""Grants (registry/grant): the owner of a prefix gives another approved
enterprise the read or event right on one identifier or on the whole
prefix; nobody else may; and the routes take their subject from the
path, percent-encoded or not."""
from harness import Group, eq
import ents
import snms

g = Group("grants", config={"node_prefix": "88.777"})

GR = "/api/grants/"


@g.test("owner grants, lists, replaces and revokes; grants are stored "
        "per identifier and per prefix")
def _(n):
    owner, tok, prefix = ents.admitted(n)
    partner, _, _ = ents.admitted(n)
    h = prefix + "/PUMP-1"
    d = snms.ok(n, "POST", GR + h, {"grantee": partner,
                                    "scopes": ["event"]}, tok)
    eq(d, {"target": h, "grantee": partner, "scopes": ["event"]}, "answer")
    eq(ents.hash_of(n, "gr:{%s}" % h), {partner: "event"}, "stored")
    snms.ok(n, "POST", GR + h, {"grantee": partner,
                                "scopes": ["read", "event", "read"]}, tok)
    eq(ents.hash_of(n, "gr:{%s}" % h), {partner: "read event"}, "replaced")
    # The prefix itself, written in lower case and percent-encoded.
    snms.ok(n, "POST", GR + prefix.lower(), {"grantee": partner,
                                             "scopes": ["read"]}, tok)
    eq(ents.hash_of(n, "gr:{%s}" % prefix), {partner: "read"}, "prefix")
    d = snms.ok(n, "GET", GR + h.replace("/", "%2F"), token=tok)
    eq(d, {"target": h, "grants": [{"grantee": partner,
                                    "scopes": ["read", "event"]}]}, "list")
    op, _ = ents.staff(n)
    eq(snms.ok(n, "GET", GR + h, token=op)["grants"][0]["grantee"], partner,
       "staff read grants")
    snms.ok(n, "DELETE", GR + h + "?grantee=" + partner, token=tok)
    eq(ents.hash_of(n, "gr:{%s}" % h), {}, "revoked")
    snms.fails(n, "DELETE", GR + h + "?grantee=" + partner, None, tok, 404,
               -2, message="holds no grant")


@g.test("only the owner grants; bad grantees, scopes and paths are "
        "refused with the reason")
def _(n):
    owner, tok, prefix = ents.admitted(n)
    other, otok, _ = ents.admitted(n)
    pending, _, _ = ents.enterprise(n)
    h = prefix + "/X"
    body = {"grantee": other, "scopes": ["read"]}
    snms.fails(n, "POST", GR + h, body, otok, 403, -3,
               message="another enterprise")
    snms.fails(n, "GET", GR + h, None, otok, 403, -3)
    snms.fails(n, "POST", GR + h, body, None, 401, -1)
    op, _ = ents.staff(n)
    snms.fails(n, "POST", GR + h, body, op, 403, -3)
    snms.fails(n, "POST", GR + h, {"grantee": pending, "scopes": ["read"]},
               tok, 404, -2, message="no approved enterprise")
    snms.fails(n, "POST", GR + h, {"grantee": other[:-1] + "0",
                                   "scopes": ["read"]}, tok, 400, -2,
               message="grantee")
    snms.fails(n, "POST", GR + h, {"grantee": other, "scopes": []}, tok,
               400, -2, message="scopes")
    snms.fails(n, "POST", GR + h, {"grantee": other, "scopes": ["write"]},
               tok, 400, -2, message="scopes[0]")
    snms.fails(n, "POST", GR + h, {"grantee": owner, "scopes": ["read"]},
               tok, 400, -2, message="owner")
    snms.fails(n, "POST", GR + "88.999.9/X", body, tok, 404, -2,
               message="not registered")
    snms.fails(n, "POST", GR + "bad%00name/X", body, tok, 400, -2)
    snms.fails(n, "POST", GR + "%E4%B8%AD/X", body, tok, 400, -2)
    eq(ents.hash_of(n, "gr:{%s}" % h), {}, "nothing stored")
