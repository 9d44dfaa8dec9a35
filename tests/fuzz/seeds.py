#!/usr/bin/env python3
"""(Re)creates the seed inputs of the fuzz corpora in tests/fuzz/corpus/.

usage: python3 tests/fuzz/seeds.py [--clean]

Binary seeds are written from hex strings: the test vectors of
docs protocol.md §9 and §11 (expiration fixed at 0x65000000) and variants
built from them.  Text seeds (handle names, configuration JSON) are
written as UTF-8 or as raw bytes.  Existing files of the same name are
overwritten; other files (inputs libFuzzer added) are left alone unless
--clean is given, which removes every file that is not a seed.
"""
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def u8(v):
    return "%02x" % v


def u16(v):
    return "%04x" % v


def u32(v):
    return "%08x" % v


def hstr(s):
    """str/bytes field: u32 length + bytes, as hex."""
    b = s.encode() if isinstance(s, str) else s
    return u32(len(b)) + b.hex()


def env(msg_hex, major=2, minor=10, sugg=0x02, sugg_minor=11, session=0,
        request=1, seq=0):
    """20-byte envelope for a message given as hex."""
    n = len(clean(msg_hex)) // 2
    return (u8(major) + u8(minor) + u8(sugg) + u8(sugg_minor) + u32(session)
            + u32(request) + u32(seq) + u32(n))


def clean(h):
    return "".join(h.split())


def header(opcode, body_hex, rcode=0, flags=0x19000000, serial=0xFFFF,
           recursion=0, expiration=0x65000000):
    n = len(clean(body_hex)) // 2
    return (u32(opcode) + u32(rcode) + u32(flags) + u16(serial)
            + u8(recursion) + "00" + u32(expiration) + u32(n))


def message(opcode, body_hex, cred="00000000", **kw):
    return header(opcode, body_hex, **kw) + clean(body_hex) + cred


def resolve_body(handle, idx=(), types=(), auth=None):
    h = hstr(handle) + u32(len(idx)) + "".join(u32(i) for i in idx)
    h += u32(len(types)) + "".join(hstr(t) for t in types)
    if auth is not None:
        h += hstr(auth)
    return h


def value(index, vtype, data, ts=0x60000000, ttl_type=0, ttl=86400,
          perms=0x0E, refs=()):
    """One handle value (§5.1); data is bytes or hex (str)."""
    d = data if isinstance(data, str) else data.hex()
    h = (u32(index) + u32(ts) + u8(ttl_type) + u32(ttl) + u8(perms)
         + hstr(vtype) + u32(len(clean(d)) // 2) + clean(d) + u32(len(refs)))
    for handle, i in refs:
        h += hstr(handle) + u32(i)
    return h


# --- protocol.md §9 vectors, verbatim ---------------------------------------

T1 = ("020a020b 00000000 00001234 00000000 00000033"
      "00000001 00000000 19000000 ffff 00 00 65000000 00000017"
      "0000000b 32302e313030302f313030 00000000 00000000 00000000")
T2 = ("000000010000000099800000ffff000065000000000000320000000c302e4e41"
      "2f32302e313030300000000100000001000000020000000748535f5349544500"
      "00000748535f5345525600000000")
T3 = ("000000016000000000000151800e0000000355524c0000001468747470733a2f2f"
      "6578616d706c652e6f72672f00000000")
T4 = ("020b020b 00000000 00001234 00000000 00000060"
      "00000001 00000001 19000000 ffff0000 65000000 00000044"
      "0000000b 32302e313030302f313030 00000001" + T3 + "00000000")
T5 = ("000000010000006419000000ffff0000650000000000000d000000096e6f7420666f"
      "756e6400000000")
T6 = ("000000640000000019000000ffff000065000000000000440000000b32302e3130"
      "30302f61626300000001" + T3 + "00000000")
T8 = ("0001020a000180020000000000000001000000046465736300000004746573740000"
      "000100000001000000000000000000000000c00002010000000000000003030100"
      "000a51020000000a51030200001f40")
T9_ADMIN = "03ff0000000c302e4e412f32302e31303030000000c8"
T9_VLIST = "000000010000000d32302e313030302f61646d696e0000012c"
T11 = "000000020000000019000000ffff00006500000000000005000000012f00000000"
T12 = ("020a020b00002711000000010000000000000035"
       "000007d10000000010800000ffff000065000000000000190000001138382e3838"
       "382e313032342f61646d696e0000012c00000000")
IDIS = ("020a020b 00000000 00000001 00000000 0000003f"
        "00000001 00000000 19000000 ffff 00 00 65000000 00000023"
        "00000013 38382e313030302e312f746573742d30303031"
        "00000000 00000000 00000000 00000000")


def with_env(msg, **kw):
    return env(msg, **kw) + clean(msg)


T1_MSG = clean(T1)[40:]

WIRE = {
    "t1_resolution": T1,
    "t2_filters_rd": with_env(T2, request=2),
    "t4_success_response": T4,
    "t5_error_response": with_env(T5, major=2, minor=11, request=0x1234),
    "t6_create_with_value": with_env(T6, minor=11),
    "t11_get_siteinfo": with_env(T11, request=3),
    "t12_idis_login": T12,
    "idis_sdk_resolution": IDIS,
    # Version 2.1 peer (RFC 3652): no suggested-version bytes.
    "t1_v2_1_no_suggested": env(T1_MSG, minor=1, sugg=0, sugg_minor=0,
                                request=0x1234) + T1_MSG,
    # Future version suggestion, UDP-style truncated flag and a sequence.
    "t1_future_version_tc": env(T1_MSG, major=3, minor=0, sugg=0x23,
                                sugg_minor=40, seq=1) + T1_MSG,
    # Indexes and a subtype filter; RD set so the reply carries a digest
    # (version 2.5: SHA-1, below the 2.7 switch to SHA-256).
    "resolution_filters_sha1": with_env(
        message(1, resolve_body("88.123.45/PUMP-2026-000017", idx=(1, 2, 100),
                                types=("URL", "HS_", "hs_site.")),
                flags=0x19800000), minor=5, sugg=0, sugg_minor=0),
    # Chinese suffix in the request, Teleinfo auth token field.
    "resolution_utf8_auth": with_env(message(
        1, resolve_body("88.123.45/泵-2026/批次:01", auth="eyJhbGciOi"))),
    # Too many indexes: the count (65) exceeds WIRE_MAX_FILTER.
    "resolution_too_many_idx": with_env(message(
        1, u32(11) + "32302e313030302f313030" + u32(65)
        + "".join(u32(i) for i in range(65)) + u32(0))),
    # Handle containing a NUL byte: the round trip must skip it.
    "resolution_nul_in_handle": with_env(message(
        1, resolve_body(b"20.1000/a\x00b"))),
    # Body length larger than what follows.
    "t1_truncated_body": clean(T1)[:2 * 60],
    # Envelope only.
    "envelope_only": clean(T1)[:40],
}

HVAL = {
    "t3_url": T3,
    "url_with_refs": value(1, "URL", b"https://example.org/",
                           refs=(("20.1000/admin", 300), ("0.NA/20.1000",
                                                          200))),
    "url_absolute_ttl": value(2, "URL", b"https://example.org/x",
                              ttl_type=1, ttl=0x70000000),
    "hs_admin_t9": value(100, "HS_ADMIN", T9_ADMIN, perms=0x0C),
    "hs_vlist_t9": value(300, "HS_VLIST", T9_VLIST),
    "hs_site_t8": value(1, "HS_SITE", T8),
    "empty_type_and_data": value(7, "", b""),
    "chinese_desc": value(3, "DESC", "泵 型号 A1".encode()),
    # Several values back to back, out of index order, mixed TTL kinds:
    # the record path sorts them and takes min_ttl from relative ones.
    "record_three_unsorted": (value(100, "HS_ADMIN", T9_ADMIN)
                              + value(2, "EMAIL", b"ops@example.org",
                                      ttl=600)
                              + value(1, "URL", b"https://a/", ttl_type=1,
                                      ttl=5)),
    "record_with_junk": (value(5, "URL", b"u") + "ffffffff01"
                         + value(4, "URL", b"v", ttl=30)),
    # Malformed: truncated, bad TTL type, oversized type, too many refs,
    # trailing byte.
    "t3_truncated": clean(T3)[:60],
    "bad_ttl_type": value(1, "URL", b"x", ttl_type=2),
    "type_too_long": value(1, "T" * 129, b"x"),
    "too_many_refs": clean(value(1, "URL", b"x"))[:-8] + u32(257),
    "t3_trailing_byte": T3 + "00",
    # JSON text rendering: escapes, control bytes (base64), bad UTF-8 in
    # the type or a reference, permissions other than 1110.
    "escapes_in_data": value(2000, "desc", 'a"b\\c\td\re\nf\x7f'.encode(),
                             perms=0x0C),
    "control_in_data": value(2001, "blob", b"\x00\x01binary\x1f"),
    "nul_and_quote_in_type": value(5, 'a\x00"b', b"x", perms=0x0B),
    "bad_utf8_type": value(6, b"\xc3\x28", b"x"),
    "bad_utf8_ref": value(3000, "TRACE.madeOf", b"88.1/M",
                          refs=((b"88.1/\xed\xa0\x80", 0), ("88.1/M", 0))),
    "overlong_data": value(7, "desc", b"\xc0\xaf"),
}

HNAME = {
    "valid_product": "88.123.45/PUMP-2026-000017",
    "valid_cnri": "20.1000/100",
    "valid_na": "0.NA/20.1000",
    "lower_prefix": "88.abc.xy/AbC-def",
    "suffix_slash_dot_colon": "88.608.24061301/META/a.b:c_8fc3752a",
    "utf8_chinese_suffix": "88.123.45/泵-2026/批次:01",
    "prefixless": "88.123.45",
    "empty": b"",
    "bad_utf8_overlong": b"88.1/\xc0\xaf",
    "bad_utf8_surrogate": b"88.1/\xed\xa0\x80",
    "bad_utf8_truncated": b"88.1/\xe6\xb3",
    "c1_control": b"88.1/a\xc2\x85b",
    "space": "88.1/a b",
    "tab": "88.1/a\tb",
    "empty_segment": "88..1/x",
    "leading_dot": ".88/x",
    "trailing_dot": "88./x",
    "empty_prefix": "/x",
    "empty_suffix": "88.1/",
    "too_long_for_255": "88.1/" + "x" * 300,
}

FULL_CONFIG = """{
  "workers": 4,
  "handle_bind": "0.0.0.0",
  "handle_port": 2641,
  "http_bind": "127.0.0.1",
  "http_port": 8000,
  "redis_socket": "",
  "redis_host": "127.0.0.1",
  "redis_port": 6379,
  "redis_max_inflight": 10000,
  "request_timeout_ms": 1500,
  "cache": true,
  "cache_entries": 200000,
  "cache_ttl_max_s": 300,
  "cache_negative_ttl_s": 5,
  "tcp_idle_timeout_ms": 60000,
  "max_connections": 10000,
  "max_inflight_per_conn": 64,
  "max_message_bytes": 65536,
  "max_handle_bytes": 255,
  "site_serial": 1,
  "site_address": "192.0.2.1",
  "site_description": "二级节点 test",
  "log_level": "debug",
  "log_file": "/var/log/idnode.log"
}
"""

CONFIG = {
    "full": FULL_CONFIG,
    "empty_object": "{}",
    "few_keys": '{"handle_port": 3641, "cache": false}\n',
    "unknown_key": '{\n  "workers": 2,\n  "bogus": 1\n}\n',
    "wrong_type_int": '{"handle_port": "2641"}',
    "wrong_type_bool": '{"cache": 1}',
    "wrong_type_str": '{"redis_host": 6379}',
    "duplicate_key": '{\n  "workers": 1,\n  "workers": 2\n}',
    "nested_object": '{"site_description": {"workers": 1}, "workers": 3}',
    "port_zero": '{"http_port": 0}',
    "port_too_big": '{"http_port": 70000}',
    "not_object": "[1, 2, 3]",
    "bad_log_level": '{"log_level": "verbose"}',
    "syntax_error": '{"workers": 1,}',
    "string_too_long": '{"log_file": "' + "x" * 300 + '"}',
}

ENT = {
    "apply": '{"uscc":"91350100M000100Y43","entNameCn":"福州示例有限公司",'
             '"entAddrCn":"福州市","entIndustry":"C","entWebSite":'
             '"https://e.example.cn","entDesc":"简介","contactName":"张三",'
             '"contactPhone":"+86 591-8888-0000","contactEmail":'
             '"ops@e.example.cn","entPrefix":"88.123.7"}',
    "bad_check": '{"uscc":"91350100M000100Y44","entNameCn":"x"}',
    "change": '{"entAddrCn":"厦门","entWebSite":""}',
    "site_v4": '{"entPrefixConfig":{"entPrefix":"88.123.7","hdlType":'
               '"HS_SITE","ipType":"4","ip":"192.0.2.7","tcpPort":"2641",'
               '"udpPort":2641,"httpPort":""}}',
    "site_v6": '{"hdlType":"HS_SITE","ipType":6,"ip":'
               '"2031:0000:1F1F:0000:0000:0100:11A0:ADDF","tcpPort":"2643"}',
    "hosted": '{"proxyServerId":1,"entPrefixConfig":{"entPrefix":"88.1.1"}}',
    "date": "2022-01-01 00:00:00",
    "date_only": "2024-02-29",
    "date_bad": "2023-02-29T25:61:61",
}

T8_NO_ATTR = clean(T8)[:24] + u32(0) + clean(T8)[64:]

SITE = {
    "t8": T8,
    "t8_no_attribute": T8_NO_ATTR,
    "t8_trailing_byte": T8 + "00",
    "t8_truncated": clean(T8)[:70],
    "two_servers": clean(T8)[:64] + u32(2) + clean(T8)[72:],
    "hash_filter": clean(T8)[:16] + u32(1) + "aa" + clean(T8)[24:],
    "other_attribute": clean(T8).replace(b"desc".hex(), b"name".hex(), 1),
    "desc_not_utf8": clean(T8).replace(b"test".hex(), "ff80c0c1", 1),
    "ipv6_http_only": (u16(1) + "020a" + u16(1) + "8002" + u32(0) + u32(0)
                       + u32(1) + u32(1) + "20010db8" + "00" * 11 + "07"
                       + u32(0) + u32(1) + "0302" + u32(8080)),
    "empty": "",
}


def usite_server(ip4, ifaces, key=""):
    return (u32(7) + "00" * 12 + ip4 + hstr(bytes.fromhex(key)) +
            u32(len(ifaces)) + "".join(u8(t) + u8(p) + u32(port)
                                       for t, p, port in ifaces))


def usite(servers, hash_option=2, attrs=(), primary=0x80, hash_filter=""):
    return (u16(1) + "020a" + u16(3) + u8(primary) + u8(hash_option)
            + hstr(bytes.fromhex(hash_filter)) + u32(len(attrs))
            + "".join(hstr(k) + hstr(v) for k, v in attrs)
            + u32(len(servers)) + "".join(servers))


# HS_SITE records as other nodes publish them (core/usite).
USITE = dict(SITE)
USITE.update({
    "three_servers_by_prefix": usite(
        [usite_server("7f000001", [(2, 0, 2641), (3, 1, 2641)]),
         usite_server("7f000002", [(2, 0, 2642)]),
         usite_server("7f000003", [(1, 1, 2643)])], hash_option=0),
    "by_suffix_attrs": usite(
        [usite_server("7f000001", [(2, 1, 2641)], key="abcd")] * 2,
        hash_option=1, attrs=(("desc", "x"), ("alt_addr", "::1"))),
    "mirror_hash_filter": usite([usite_server("7f000001", [(2, 0, 0)])],
                                primary=0, hash_filter="0102"),
    "no_servers": usite([]),
    "too_many_ifaces": usite([usite_server("7f000001", [(2, 0, 1)] * 17)]),
})

# c:{NAME} values (resolver/ucache): fresh-until ms, rc, n, values.
UNTIL = u32(0x19b) + u32(0x7ad3b000)
UCACHE = {
    "success_two": UNTIL + u32(1) + u32(2) + value(1, "URL", b"https://x")
    + value(2, "EMAIL", b"a@b"),
    "not_found": UNTIL + u32(100) + u32(0),
    "stale": u32(0) + u32(1) + u32(1) + u32(0),
    "not_found_with_values": UNTIL + u32(100) + u32(1)
    + value(1, "URL", b"x"),
    "other_code": UNTIL + u32(2) + u32(0),
    "trailing": UNTIL + u32(1) + u32(0) + "00",
    "too_many": UNTIL + u32(1) + u32(4096),
    "empty": "",
}

# pfx:{P} referral fields, one a line: state proxy ipType ip tcpPort
# udpPort httpPort u.
PFXREF = {
    "v4_all_ports": "1\n1\n4\n127.0.0.1\n2643\n2643\n8080\n1767225600",
    "v6_http_only": "1\n1\n6\n2001:db8::7\n\n\n8080",
    "hosted": "1\n4\n4\n127.0.0.1\n2643",
    "disabled": "0\n1\n4\n127.0.0.1\n2643",
    "no_port": "1\n1\n4\n127.0.0.1\n\n\n",
    "family_mismatch": "1\n1\n4\n::1\n2643",
    "port_too_big": "1\n1\n4\n127.0.0.1\n65536",
    "port_signed": "1\n1\n4\n127.0.0.1\n+80\n-1",
    "nul_in_ip": b"1\n1\n4\n127.0.0.1\x00x\n2643",
    "empty": "",
}

# Stored pw1 texts and key files.
SEAL = {
    "hex_key": "00" * 32,
    "hex_key_newline": "ab" * 32 + "\n",
    "raw_key": b"\x07" * 32,
    "short_key": "ab" * 31,
    "gcm1_no_data": "gcm1$",
    "gcm1_short": "gcm1$AAAAAAAA",
    "gcm1_92_bytes": "gcm1$" + "A" * 123 + "=",
    "gcm1_bad_base64": "gcm1$!!!!" + "A" * 116,
    "pbkdf2_verifier": "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$x",
    "empty": "",
}

# Lifecycle event bodies (docs/trace.md), and the texts the event routes
# take (times, ids), which fuzz_event also tries.
EVENT = {
    "full": '{"stage":"maintenance","time":"2026-03-01T10:00:00Z",'
            '"location":"Fuzhou plant 2, line 3","holder":'
            '"91350100M000100Y43","attrs":{"operatingHours":12500,'
            '"faultCode":"E-17","partReplaced":"88.123.2/BRG-6205-000331",'
            '"ok":true,"temp":71.25},"corrects":"1795430400000-0",'
            '"closes":["1795430300000-0"],"public":true}',
    "minimal": '{"stage":"design"}',
    "custom_stage_offset": '{"stage":"calibration","time":'
                           '"2026-03-01T18:00:00.123456+08:00",'
                           '"location":"福州","public":false}',
    "nulls": '{"stage":"delivery","holder":null,"attrs":{},"closes":[],'
             '"corrects":null,"location":""}',
    "future": '{"stage":"design","time":"2026-03-01T10:05:01Z"}',
    "bad_stage": '{"stage":"Maintenance"}',
    "bad_holder": '{"stage":"delivery","holder":"91350100M000100Y44"}',
    "bad_attr": '{"stage":"fault","attrs":{"nested":{"a":1}}}',
    "repeated_close": '{"stage":"maintenance","closes":["1-0","01-0"]}',
    "unknown_member": '{"stage":"design","id":"1-0"}',
    "time_leap_day": "2024-02-29T23:59:60.999z",
    "time_not_leap": "2100-02-29T00:00:00Z",
    "time_offset": "1970-01-01T08:00:00+08:00",
    "id_max": "18446744073709551615-18446744073709551615",
    "id_overflow": "18446744073709551616-0",
}

# Templates with custom lifecycle stages (fuzz_tpl also has the inputs
# libFuzzer found).
TPL = {
    "stages": '{"prefix":"88.123.45","version":"v1","items":[{"name":"a",'
              '"idType":"serialNo","idIndex":2000}],"stages":[{"code":'
              '"calibration","name":"校准"},{"code":"paint_2-b","name":'
              '"喷漆"}]}',
    "stage_builtin": '{"prefix":"88.1","version":"v1","items":[{"name":"a",'
                     '"idType":"t","idIndex":2000}],"stages":[{"code":'
                     '"fault","name":"x"}]}',
    "stage_repeated": '{"prefix":"88.1","version":"v1","items":[{"name":'
                      '"a","idType":"t","idIndex":2000}],"stages":[{"code":'
                      '"c","name":"x"},{"code":"c","name":"y"}]}',
}

# Answers the HTTP client reads (core/httpc): the first byte says how
# they arrive (bits 2-7: bytes a read, 0 all at once; bit 0: a HEAD;
# bit 1: a 64-byte body limit), the rest is the answer.
HTTPC = {
    "healthz": b"\x00" + b'HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nDate: Mon, 23 Nov 2026 15:11:27 GMT\r\nContent-Length: 58\r\nConnection: close\r\n\r\n{"status":"ok","version":"0.1.0","pid":3988,"uptime_s":0}\n',
    "readyz_in_7_byte_reads": b"\x1c" + b'HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nDate: Mon, 23 Nov 2026 15:11:27 GMT\r\nContent-Length: 97\r\nConnection: close\r\n\r\n{"ready":true,"redis":{"connected_workers":2,"workers":2},"listeners":true,"answered_workers":2}\n',
    "snms_401": b"\x04" + b'HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json; charset=utf-8\r\nDate: Mon, 23 Nov 2026 15:11:27 GMT\r\nContent-Length: 88\r\nConnection: close\r\n\r\n{"status":-1,"message":"not logged in: send Authorization: Bearer <token>","data":null}\n',
    "handle_404": b"\x00" + b'HTTP/1.1 404 Not Found\r\nContent-Type: application/json; charset=utf-8\r\nDate: Mon, 23 Nov 2026 15:11:27 GMT\r\nContent-Length: 68\r\nConnection: close\r\n\r\n{"responseCode":100,"handle":"88.1/x","message":"handle not found"}\n',
    "to_eof_lf_only": b"\x00HTTP/1.0 503 Busy\nServer: x\n\nno length",
    "head": b"\x01HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",
    "no_content": b"\x00HTTP/1.1 204 No Content\r\n\r\n",
    "over_limit": b"\x02HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n" + b"x" * 65,
    "short_body": b"\x00HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    "chunked": b"\x00HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "two_lengths": b"\x00HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
    "folded": b"\x00HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n",
    "interim": b"\x00HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
    "empty": b"\x00",
}

# /metrics as a node renders it, and variants of the format.
PROM = {
    "node_metrics": '# HELP idnode_build_info Always 1; the version as a label\n# TYPE idnode_build_info gauge\nidnode_build_info{version="0.1.0"} 1\n# HELP idnode_start_time_seconds When the process started, unix seconds\n# TYPE idnode_start_time_seconds gauge\nidnode_start_time_seconds 1795446687\n# HELP idnode_workers Worker threads\n# TYPE idnode_workers gauge\nidnode_workers 2\n# HELP idnode_handle_requests_total Handle protocol answers by transport, opcode and response code\n# TYPE idnode_handle_requests_total counter\nidnode_handle_requests_total{transport="udp",opcode="1",code="HANDLE_NOT_FOUND"} 1\n# HELP idnode_handle_request_duration_seconds Handle protocol request received to answer sent\n# TYPE idnode_handle_request_duration_seconds histogram\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="5e-05"} 0\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="0.0001"} 0\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="0.00025"} 0\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="0.0005"} 0\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="0.001"} 1\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="0.0025"} 1\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="0.005"} 1\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="0.01"} 1\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="0.025"} 1\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="0.05"} 1\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="0.1"} 1\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="0.25"} 1\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="1"} 1\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="2.5"} 1\nidnode_handle_request_duration_seconds_bucket{transport="udp",le="+Inf"} 1\nidnode_handle_request_duration_seconds_sum{transport="udp"} 0.000684\nidnode_handle_request_duration_seconds_count{transport="udp"} 1\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="5e-05"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="0.0001"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="0.00025"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="0.0005"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="0.001"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="0.0025"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="0.005"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="0.01"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="0.025"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="0.05"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="0.1"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="0.25"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="1"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="2.5"} 0\nidnode_handle_request_duration_seconds_bucket{transport="tcp",le="+Inf"} 0\nidnode_handle_request_duration_seconds_sum{transport="tcp"} 0.000000\nidnode_handle_request_duration_seconds_count{transport="tcp"} 0\n# HELP idnode_http_requests_total HTTP answers by status code\n# TYPE idnode_http_requests_total counter\nidnode_http_requests_total{code="200"} 1\n# HELP idnode_http_request_duration_seconds HTTP request received to answer written\n# TYPE idnode_http_request_duration_seconds histogram\nidnode_http_request_duration_seconds_bucket{le="5e-05"} 0\nidnode_http_request_duration_seconds_bucket{le="0.0001"} 0\nidnode_http_request_duration_seconds_bucket{le="0.00025"} 1\nidnode_http_request_duration_seconds_bucket{le="0.0005"} 1\nidnode_http_request_duration_seconds_bucket{le="0.001"} 1\nidnode_http_request_duration_seconds_bucket{le="0.0025"} 1\nidnode_http_request_duration_seconds_bucket{le="0.005"} 1\nidnode_http_request_duration_seconds_bucket{le="0.01"} 1\nidnode_http_request_duration_seconds_bucket{le="0.025"} 1\nidnode_http_request_duration_seconds_bucket{le="0.05"} 1\nidnode_http_request_duration_seconds_bucket{le="0.1"} 1\nidnode_http_request_duration_seconds_bucket{le="0.25"} 1\nidnode_http_request_duration_seconds_bucket{le="1"} 1\nidnode_http_request_duration_seconds_bucket{le="2.5"} 1\nidnode_http_request_duration_seconds_bucket{le="+Inf"} 1\nidnode_http_request_duration_seconds_sum 0.000204\nidnode_http_request_duration_seconds_count 1\n# HELP idnode_cache_lookups_total In-process record cache lookups by result\n# TYPE idnode_cache_lookups_total counter\nidnode_cache_lookups_total{result="hit"} 0\nidnode_cache_lookups_total{result="miss"} 2\n# HELP idnode_cache_evictions_total Records evicted from the cache to make room\n# TYPE idnode_cache_evictions_total counter\nidnode_cache_evictions_total 0\n# HELP idnode_cache_invalidations_total Cached records dropped because Redis said they changed\n# TYPE idnode_cache_invalidations_total counter\nidnode_cache_invalidations_total 0\n# HELP idnode_cache_entries Records in the cache\n# TYPE idnode_cache_entries gauge\nidnode_cache_entries 2\n# HELP idnode_cache_bytes Bytes of records in the cache\n# TYPE idnode_cache_bytes gauge\nidnode_cache_bytes 122\n# HELP idnode_redis_commands_total Commands sent to Redis by the workers\n# TYPE idnode_redis_commands_total counter\nidnode_redis_commands_total 4\n# HELP idnode_redis_errors_total Redis commands that failed, by kind\n# TYPE idnode_redis_errors_total counter\nidnode_redis_errors_total{kind="timeout"} 0\nidnode_redis_errors_total{kind="down"} 0\nidnode_redis_errors_total{kind="watchdog"} 0\n# HELP idnode_redis_reconnects_total Reconnections to Redis\n# TYPE idnode_redis_reconnects_total counter\nidnode_redis_reconnects_total 0\n# HELP idnode_redis_command_duration_seconds Redis command sent to reply received\n# TYPE idnode_redis_command_duration_seconds histogram\nidnode_redis_command_duration_seconds_bucket{le="5e-05"} 0\nidnode_redis_command_duration_seconds_bucket{le="0.0001"} 0\nidnode_redis_command_duration_seconds_bucket{le="0.00025"} 1\nidnode_redis_command_duration_seconds_bucket{le="0.0005"} 4\nidnode_redis_command_duration_seconds_bucket{le="0.001"} 4\nidnode_redis_command_duration_seconds_bucket{le="0.0025"} 4\nidnode_redis_command_duration_seconds_bucket{le="0.005"} 4\nidnode_redis_command_duration_seconds_bucket{le="0.01"} 4\nidnode_redis_command_duration_seconds_bucket{le="0.025"} 4\nidnode_redis_command_duration_seconds_bucket{le="0.05"} 4\nidnode_redis_command_duration_seconds_bucket{le="0.1"} 4\nidnode_redis_command_duration_seconds_bucket{le="0.25"} 4\nidnode_redis_command_duration_seconds_bucket{le="1"} 4\nidnode_redis_command_duration_seconds_bucket{le="2.5"} 4\nidnode_redis_command_duration_seconds_bucket{le="+Inf"} 4\nidnode_redis_command_duration_seconds_sum 0.001323\nidnode_redis_command_duration_seconds_count 4\n# HELP idnode_redis_inflight Redis commands waiting for their reply\n# TYPE idnode_redis_inflight gauge\nidnode_redis_inflight 0\n# HELP idnode_redis_connected_workers Workers whose Redis connection is ready\n# TYPE idnode_redis_connected_workers gauge\nidnode_redis_connected_workers 2\n# HELP idnode_tcp_connections Open Handle protocol TCP connections\n# TYPE idnode_tcp_connections gauge\nidnode_tcp_connections 0\n# HELP idnode_tcp_connections_accepted_total Handle protocol TCP connections accepted\n# TYPE idnode_tcp_connections_accepted_total counter\nidnode_tcp_connections_accepted_total 0\n# HELP idnode_connections_rejected_total Connections refused (over max_connections)\n# TYPE idnode_connections_rejected_total counter\nidnode_connections_rejected_total{transport="tcp"} 0\n# HELP idnode_tcp_idle_closed_total TCP connections closed for idleness\n# TYPE idnode_tcp_idle_closed_total counter\nidnode_tcp_idle_closed_total 0\n# HELP idnode_busy_answers_total Requests answered SERVER_BUSY or 503\n# TYPE idnode_busy_answers_total counter\nidnode_busy_answers_total 0\n# HELP idnode_protocol_errors_total Handle requests answered PROTOCOL_ERROR\n# TYPE idnode_protocol_errors_total counter\nidnode_protocol_errors_total 0\n# HELP idnode_udp_fragmented_total UDP answers sent in several datagrams\n# TYPE idnode_udp_fragmented_total counter\nidnode_udp_fragmented_total 0\n# HELP idnode_registry_writes_total Successful registry writes by audit action\n# TYPE idnode_registry_writes_total counter\nidnode_registry_writes_total{action="ent.apply"} 0\nidnode_registry_writes_total{action="ent.change"} 0\nidnode_registry_writes_total{action="ent.cancel"} 0\nidnode_registry_writes_total{action="ent.apply.approve"} 0\nidnode_registry_writes_total{action="pfx.create"} 0\nidnode_registry_writes_total{action="pfx.config"} 0\nidnode_registry_writes_total{action="pfx.disable"} 0\nidnode_registry_writes_total{action="platform.create"} 0\nidnode_registry_writes_total{action="platform.delete"} 0\nidnode_registry_writes_total{action="tpl.create"} 0\nidnode_registry_writes_total{action="tpl.update"} 0\nidnode_registry_writes_total{action="tpl.delete"} 0\nidnode_registry_writes_total{action="ident.create"} 0\nidnode_registry_writes_total{action="ident.update"} 0\nidnode_registry_writes_total{action="ident.delete"} 0\nidnode_registry_writes_total{action="grant.set"} 0\nidnode_registry_writes_total{action="grant.revoke"} 0\nidnode_registry_writes_total{action="event.append"} 0\nidnode_registry_writes_total{action="link.add"} 0\nidnode_registry_writes_total{action="link.remove"} 0\nidnode_registry_writes_total{action="other"} 0\n',
    "escapes_and_spaces": 'a{ b = "x\\"y\\\\z\\n" , c="" , } 1.5e3 1700000000000\n',
    "special_values": "a +Inf\nb -Inf\nc NaN\nd -0.5\n",
    "help_type": "# HELP a some text\n# TYPE a histogram\n# other\na_bucket{le=\"0.1\"} 3\n",
    "bad_escape": 'a{b="\\t"} 1\n',
    "bad_type": "# TYPE a countr\n",
    "empty": "",
}


def link_value(index, typ, target):
    """A trace link value as registry/link writes it."""
    return value(index, "TRACE." + typ, target.encode(),
                 refs=((target, 0),))


def response(rcode, body_hex, request=0x1234, flags=0x19000000, **kw):
    return with_env(message(1, body_hex, rcode=rcode, flags=flags),
                    request=request, **kw)


PUMP = "88.123.45/PUMP-1"
HCLIENT = {
    "t4_success": T4,
    "t5_not_found": with_env(T5, major=2, minor=11, request=0x1234),
    "links_and_values": response(1, hstr(PUMP) + u32(4)
                                 + value(2000, "serialNo", b"SN-1")
                                 + link_value(3001, "partOf", "88.1/SYS")
                                 + link_value(3000, "madeOf", "88.2/MOTOR")
                                 + value(3002, "TRACE.nope", b"x")),
    # A digest the client did not ask for (RD set), SHA-256.
    "rd_digest": response(1, "03" + "ab" * 32 + hstr(PUMP) + u32(1)
                          + link_value(3000, "fromBatch", "88.2/LOT"),
                          flags=0x19800000),
    "bad_digest_alg": response(1, "09" + hstr(PUMP) + u32(0),
                               flags=0x19800000),
    "too_many_values": response(1, hstr(PUMP) + u32(2049)),
    "truncated_value": response(1, hstr(PUMP) + u32(1)
                                + clean(link_value(3000, "madeOf",
                                                   "88.2/M"))[:40]),
    "referral": response(302, hstr("") + u32(1) + value(1, "HS_SITE", T8)),
    "prefix_referral": response(303, hstr("") + u32(1)
                                + value(1, "HS_SITE.PREFIX", T8)),
    "referral_service_handle": response(302, hstr("0.SERV/88")),
    "referral_trailing": response(302, hstr("") + "00"),
    "too_large_error": response(2, hstr("answer too large for UDP: use TCP")),
    "compressed_flag": response(1, hstr(PUMP) + u32(0))[:4] + "80"
    + response(1, hstr(PUMP) + u32(0))[6:],
    "request_not_response": T1,
    "envelope_only": clean(T4)[:40],
    "entry_madeof": "madeOf 88.1/PUMP-1".encode().hex(),
    "entry_no_source": "partOf ".encode().hex(),
    "entry_unknown_type": "usedIn 88.1/X".encode().hex(),
}


# If-None-Match values (core/static).
ETAG = {
    "strong": '"0123456789abcdef-1a"',
    "weak": 'W/"0123456789abcdef-1a"',
    "star": "*",
    "list": '"x", W/"0123456789abcdef-1a" ,"y"',
    "empty_elements": ', ,"a",',
    "unterminated": '"0123456789abcdef-1a',
    "junk_after": '"0123456789abcdef-1a" junk',
    "star_in_list": '*, "a"',
    "empty": "",
}

# Statistics ranges: granularity, from and to, one a line.
PERIOD = {
    "day": "day\n2026-11-01\n2026-11-23",
    "hour": "hour\n2026-11-23T00\n2026-11-23T14",
    "defaults": "",
    "hour_only_to": "hour\n\n2026-11-23T14",
    "leap_day": "day\n2024-02-29\n2024-03-01",
    "not_leap": "day\n2023-02-29\n2023-03-01",
    "reversed": "day\n2026-11-23\n2026-11-01",
    "too_long": "hour\n2026-11-01T00\n2026-11-23T00",
    "mixed_units": "day\n2026-11-23T14\n2026-11-23",
    "bad_granularity": "week\n2026-11-23\n2026-11-23",
    "hour_24": "hour\n2026-11-23T24",
    "year_1999": "day\n1999-12-31",
    "nul_inside": b"day\n2026-11-23\x00\n2026-11-23",
}

TARGETS = {
    "fuzz_etag": ETAG,
    "fuzz_wire": WIRE,
    "fuzz_hclient": HCLIENT,
    "fuzz_seal": SEAL,
    "fuzz_site": SITE,
    "fuzz_usite": USITE,
    "fuzz_ucache": UCACHE,
    "fuzz_pfxref": PFXREF,
    "fuzz_hval": HVAL,
    "fuzz_hname": HNAME,
    "fuzz_config": CONFIG,
    "fuzz_ent": ENT,
    "fuzz_event": EVENT,
    "fuzz_tpl": TPL,
    "fuzz_httpc": HTTPC,
    "fuzz_prom": PROM,
    "fuzz_period": PERIOD,
}

HEX_TARGETS = ("fuzz_wire", "fuzz_hval", "fuzz_site", "fuzz_hclient",
               "fuzz_usite", "fuzz_ucache")


def to_bytes(target, v):
    if isinstance(v, bytes):
        return v
    if target in HEX_TARGETS:
        return bytes.fromhex(clean(v))
    return v.encode()


def main(argv):
    clean_extra = "--clean" in argv[1:]
    total = 0
    for target, seeds in TARGETS.items():
        d = os.path.join(ROOT, target)
        os.makedirs(d, exist_ok=True)
        names = set()
        for name, v in seeds.items():
            fname = "seed_" + name
            names.add(fname)
            with open(os.path.join(d, fname), "wb") as f:
                f.write(to_bytes(target, v))
            total += 1
        if clean_extra:
            for fname in os.listdir(d):
                p = os.path.join(d, fname)
                if fname not in names and os.path.isfile(p):
                    os.remove(p)
    print("wrote %d seed files under %s" % (total, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
