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
    "shared": '{"prefix":"88.1","version":"v1","enterprises":'
              '["91350100M000100Y","91350100m000100y"],"items":[{"name":"a",'
              '"idType":"serialNo","idIndex":2000,"publicRead":false}]}',
    "shared_bad": '{"prefix":"88.1","version":"v1","enterprises":["x",1],'
                  '"items":[{"name":"a","idType":"t","idIndex":2000,'
                  '"publicRead":"no"}]}',
    "shared_empty": '{"prefix":"88.1","version":"v1","enterprises":[],'
                    '"items":[{"name":"a","idType":"t","idIndex":2000,'
                    '"publicRead":true}]}',
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
# core/ratelim: rate, burst, then (op, key, time step) triples; ops 0 take,
# 1 mark, 2 test a mark, 3 open a connection, 4 close one.
RATELIM = {
    "burst": bytes([0, 4]) + bytes([0, 1, 0] * 10),
    "refill": bytes([0, 2]) + bytes([0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 200]) * 4,
    "many_keys": bytes([5, 3]) + bytes(b for k in range(16)
                                       for b in (0, k, 0)),
    "conns": bytes([1, 1]) + bytes([3, 2, 0] * 5 + [4, 0, 0] * 5 +
                                   [3, 2, 0] * 3),
    "marks": bytes([1, 1]) + bytes([1, 3, 0, 2, 3, 0, 2, 4, 0, 2, 3, 255]),
    "mixed": bytes([9, 15]) + bytes((i * 7) % 256 for i in range(300)),
}

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

# Client certificates (certs/ca ca_ident), DER as hex: what idctl ca
# issues (enterprise, platform, server) and subjects it must refuse or
# normalise, made with openssl req.
CERTID = {
    "enterprise": (
        "308201c230820168a00302010202106af5682830f795b64386ff69a93e82a030"
        "0a06082a8648ce3d040302301d311b301906035504030c1269646e6f64652043"
        "41203364343930663935301e170d3236313132333137343335365a170d323731"
        "3132333137343835365a3032310e300c06035504030c05616c6963653120301e"
        "06035504610c17555343433a39313335303130304d3030303130305934333059"
        "301306072a8648ce3d020106082a8648ce3d03010703420004d54d6281a3acad"
        "5fd6ac0696c0142c49a05c9b694a84d3cc460fd83e168050c7ebfaa245830cf1"
        "8706268234188dd13f499f933d95c7c9fe97e63c55be54476ca3753073300c06"
        "03551d130101ff04023000300e0603551d0f0101ff0404030207803013060355"
        "1d25040c300a06082b06010505070302301d0603551d0e0416041420008970b4"
        "2f1553bb2ad2ff0a420addd5de50c9301f0603551d23041830168014d150fbc9"
        "2a3df4f22d79f59b8f816ce9f6f80224300a06082a8648ce3d04030203480030"
        "45022100ea4022c52853d36849f8cf633b2c82b7d5ea8ce72f469cdbd457cec4"
        "e95f8ad302207021eaa3b7d942a6846734688249e772b61c16836ae366695df4"
        "85d1458335f3"
    ),
    "platform": (
        "308201d53082017ba0030201020210657ce5079e197bc3626ed5a37eed9a1b30"
        "0a06082a8648ce3d040302301d311b301906035504030c1269646e6f64652043"
        "41203364343930663935301e170d3236313132333137343335365a170d323731"
        "3132333137343835365a3045311c301a06035504030c1370662d303132333435"
        "363738396162636465663125302306035504610c1c504c4154464f524d3a7066"
        "2d303132333435363738396162636465663059301306072a8648ce3d02010608"
        "2a8648ce3d03010703420004bbe9205d774fcb90b41c74b551e6ca1eed57a2a1"
        "b95fd26f4eb0c887acee013c96d818bd099ad439d5a5da1cffb7138cf1679ed6"
        "a42f0d01ae093fce74e3b1e2a3753073300c0603551d130101ff04023000300e"
        "0603551d0f0101ff04040302078030130603551d25040c300a06082b06010505"
        "070302301d0603551d0e0416041494ebe3decc6c5b0c7551a800d78371c93fe5"
        "20c1301f0603551d23041830168014d150fbc92a3df4f22d79f59b8f816ce9f6"
        "f80224300a06082a8648ce3d0403020348003045022100aa91008892d35492c0"
        "d8487829fbc51b76c2dfb6177e0dd78466037c7942f253022043e41138e41860"
        "ec358f07cb033c5dde6bfb7f08a2562eeac23c326ec0c3c2d0"
    ),
    "server": (
        "308201c230820168a00302010202105ad8f5aa1ef6bf709055d579b8a77ce430"
        "0a06082a8648ce3d040302301d311b301906035504030c1269646e6f64652043"
        "41203364343930663935301e170d3236313132333137343335365a170d323731"
        "3132333137343835365a30143112301006035504030c096c6f63616c686f7374"
        "3059301306072a8648ce3d020106082a8648ce3d03010703420004d39c175803"
        "e03d2d427e1ca16934874b6ffd824c1ba8f4bebe166fc85ef31eceac06b8a0bc"
        "cc9d736a47e1a5aa92dc8bd448523db01870519ac3f02479eaf88ea381923081"
        "8f300c0603551d130101ff04023000300e0603551d0f0101ff04040302078030"
        "130603551d25040c300a06082b06010505070301301d0603551d0e041604147a"
        "daf7d650e1d4a24734a8bdc08ab94080eeece8301f0603551d23041830168014"
        "d150fbc92a3df4f22d79f59b8f816ce9f6f80224301a0603551d110413301182"
        "096c6f63616c686f737487047f000001300a06082a8648ce3d04030203480030"
        "45022100bc9c180bf5c00cb7cbc44d8a3e9ed3c440c702009e4921f601f31bbc"
        "14eec92e02202fd56cdf928fc3146e0538e55cf32c4f8212687f5ba1d63d9024"
        "e5321e95acf7"
    ),
    "two_cn": (
        "308201c83082016fa00302010202142b5f63508404cab0c9b711259cec8eabe9"
        "766d56300a06082a8648ce3d040302303a310a300806035504030c0161310a30"
        "0806035504030c01623120301e06035504610c17555343433a39313335303130"
        "304d303030313030593433301e170d3236313132333137343835375a170d3236"
        "313132343137343835375a303a310a300806035504030c0161310a3008060355"
        "04030c01623120301e06035504610c17555343433a39313335303130304d3030"
        "303130305934333059301306072a8648ce3d020106082a8648ce3d0301070342"
        "000484881cb0ca6e11fe0b57f13ef29677440932c3d9b0ac09c7e9ab858a7228"
        "3978819d0a3b4227c27fecb393805b03573f0510243e4c231881fe1eab97fa81"
        "38eca3533051301d0603551d0e04160414a6d24deb627e3c38f8c44030b8b28e"
        "2d72a318de301f0603551d23041830168014a6d24deb627e3c38f8c44030b8b2"
        "8e2d72a318de300f0603551d130101ff040530030101ff300a06082a8648ce3d"
        "040302034700304402207091630b40f0546c95d9a380f262c0c97611d8a548af"
        "f953b0945d862d630971022031a2625ad86e38ddb08b80a069798d935d187204"
        "45af25759fe99b5ed36da933"
    ),
    "platform_mismatch": (
        "308201a230820149a003020102021409b7cadf2f24b9b55fa3247ef087c6cc42"
        "d54f7a300a06082a8648ce3d0403023027310d300b06035504030c0470662d79"
        "3116301406035504610c0d504c4154464f524d3a70662d78301e170d32363131"
        "32333137343835375a170d3236313132343137343835375a3027310d300b0603"
        "5504030c0470662d793116301406035504610c0d504c4154464f524d3a70662d"
        "783059301306072a8648ce3d020106082a8648ce3d030107034200047af0ebf6"
        "bff09f66ce863083dad5db4c0a106f856a701151ac3d03c69caa8ed5c7f418b4"
        "bd612e58df393049d4e852df3f7069092e6686a3329ed6646715cf2aa3533051"
        "301d0603551d0e04160414cc941306bebd0362f07097edede4bf89d9c124a130"
        "1f0603551d23041830168014cc941306bebd0362f07097edede4bf89d9c124a1"
        "300f0603551d130101ff040530030101ff300a06082a8648ce3d040302034700"
        "304402201b8d616e17145944a8790364193b1b4b1544c0add21cf4a09537de34"
        "56ac732f0220245604c810844f13c625cbe45349675ee0b929cff01e6bfaf4c0"
        "c23cdc112403"
    ),
    "long_cn": (
        "30820227308201cda00302010202141e2eb4ec552084f345c46cdbe1e9cdf2e3"
        "e3ffad300a06082a8648ce3d04030230693145304306035504030c3c61616161"
        "6161616161616161616161616161616161616161616161616161616161616161"
        "6161616161616161616161616161616161616161616161613120301e06035504"
        "610c17555343433a39313335303130304d303030313030593433301e170d3236"
        "313132333137343835385a170d3236313132343137343835385a306931453043"
        "06035504030c3c61616161616161616161616161616161616161616161616161"
        "6161616161616161616161616161616161616161616161616161616161616161"
        "6161613120301e06035504610c17555343433a39313335303130304d30303031"
        "30305934333059301306072a8648ce3d020106082a8648ce3d03010703420004"
        "1b92ebb7c24e24d87c76c550951d41a73ace075eb2d502039161b17362003643"
        "1ff4edd7af6008c6dc547ac7ab440f6353f374036b379d5a7cc3600f04082232"
        "a3533051301d0603551d0e0416041435aabe597abc671f56a1e7a6329a919b6e"
        "c8c8f1301f0603551d2304183016801435aabe597abc671f56a1e7a6329a919b"
        "6ec8c8f1300f0603551d130101ff040530030101ff300a06082a8648ce3d0403"
        "02034800304502207f47478cfb7d982002e652db7c6dea9174b84f8c4035ce89"
        "b61ba8b5f5927b3a0221009f43d258d78c89b058145e1d02ef4b744852ba6a32"
        "5da7b5ab82249e35769372"
    ),
    "lower_case_uscc": (
        "308201b63082015ba00302010202145a2636b5691908a730f3b325d32d9aefcb"
        "3b44f8300a06082a8648ce3d0403023030310c300a06035504030c03626f6231"
        "20301e06035504610c17555343433a39313335303130306d3030303130307934"
        "33301e170d3236313132333137343835385a170d323631313234313734383538"
        "5a3030310c300a06035504030c03626f623120301e06035504610c1755534343"
        "3a39313335303130306d3030303130307934333059301306072a8648ce3d0201"
        "06082a8648ce3d0301070342000414d3ae22fbeb70f7cca7d17a717c52dd6000"
        "f83682832369be01759d0454422a0ad1e006db5ea01fbf8a7f8367a3b4483721"
        "610f9fddba8cf0185112b0039ee8a3533051301d0603551d0e04160414e3460f"
        "66c9ddd612351935639b0f0b737a107979301f0603551d23041830168014e346"
        "0f66c9ddd612351935639b0f0b737a107979300f0603551d130101ff04053003"
        "0101ff300a06082a8648ce3d0403020349003046022100d9c0102d5fad31dd6c"
        "bf221bf1dac99d6a96c4dd8fe25ae0f94bc741cd90488c022100becb3d9f0a9b"
        "8fdc5c38cc5df83e8c16c4ec984e6f1ed43db79ec8626ab9b3f4"
    ),
    "no_org_id": (
        "3082017130820117a00302010202146c6c95a541b901d39de82ba691790d44c9"
        "335ab4300a06082a8648ce3d040302300e310c300a06035504030c03626f6230"
        "1e170d3236313132333137343835385a170d3236313132343137343835385a30"
        "0e310c300a06035504030c03626f623059301306072a8648ce3d020106082a86"
        "48ce3d0301070342000437981a959f57c7f15f569900aa8b32867dff99c6b0e1"
        "6f76b6afe9a2a4e8c5ff3ba356f56c65c415fb229fda061f444a0721369ff657"
        "6a79bbcbbe0c6ba21d35a3533051301d0603551d0e041604141201bb5ba26383"
        "c517b23a6ff30acd89c22a3535301f0603551d230418301680141201bb5ba263"
        "83c517b23a6ff30acd89c22a3535300f0603551d130101ff040530030101ff30"
        "0a06082a8648ce3d04030203480030450221009b722e9110913a984c6e6d2756"
        "6b0c610cdc94e702dd840e96a97c1146c7814002207b77c3960e11b58cc82ab7"
        "4edb58a3e295e68d2060b9d63994ffc6d020d0710c"
    ),
    "bad_chars": (
        "308201ba3082015fa00302010202145c69d0385d565111fbad1dd176644d829e"
        "fb2046300a06082a8648ce3d0403023032310e300c06035504030c05622f6f20"
        "623120301e06035504610c17555343433a39313335303130304d303030313030"
        "593433301e170d3236313132333137343835385a170d32363131323431373438"
        "35385a3032310e300c06035504030c05622f6f20623120301e06035504610c17"
        "555343433a39313335303130304d3030303130305934333059301306072a8648"
        "ce3d020106082a8648ce3d03010703420004f24b786fb6a03d69880d8a4eb35c"
        "df502e635e781d2938f0bc926b42cee200f8423303320df1a4b8b83700fea2ac"
        "13eaab45c42083a46df6c55a187ea198972aa3533051301d0603551d0e041604"
        "14c19f2e0b291b2e48a28c6cbeec825e926157edff301f0603551d2304183016"
        "8014c19f2e0b291b2e48a28c6cbeec825e926157edff300f0603551d130101ff"
        "040530030101ff300a06082a8648ce3d0403020349003046022100d516db31fd"
        "44949f67b219ef3714349c1aaa5f4b0eb8609617ee30755702439d022100a075"
        "b826b274c26b64892b441bbf46aa0e2c583585b85dfa09668c1cff9bb050"
    ),
    "pem_enterprise": (
        b"-----BEGIN CERTIFICATE-----\n"
        b"MIIBwjCCAWigAwIBAgIQavVoKDD3lbZDhv9pqT6CoDAKBggqhkjOPQQDAjAdMRsw\n"
        b"GQYDVQQDDBJpZG5vZGUgQ0EgM2Q0OTBmOTUwHhcNMjYxMTIzMTc0MzU2WhcNMjcx\n"
        b"MTIzMTc0ODU2WjAyMQ4wDAYDVQQDDAVhbGljZTEgMB4GA1UEYQwXVVNDQzo5MTM1\n"
        b"MDEwME0wMDAxMDBZNDMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATVTWKBo6yt\n"
        b"X9asBpbAFCxJoFybaUqE08xGD9g+FoBQx+v6okWDDPGHBiaCNBiN0T9Jn5M9lcfJ\n"
        b"/pfmPFW+VEdso3UwczAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNV\n"
        b"HSUEDDAKBggrBgEFBQcDAjAdBgNVHQ4EFgQUIACJcLQvFVO7KtL/CkIK3dXeUMkw\n"
        b"HwYDVR0jBBgwFoAU0VD7ySo99PItefWbj4Fs6fb4AiQwCgYIKoZIzj0EAwIDSAAw\n"
        b"RQIhAOpAIsUoU9NoSfjPYzssgrfV6oznL0ac29RXzsTpX4rTAiBwIeqjt9lCpoRn\n"
        b"NGiCSedythwWg2rjZmld9IXRRYM18w==\n"
        b"-----END CERTIFICATE-----\n"
    ),
    "truncated": "3082",
}

# Handle credentials (certs/hkey): first byte picks the parser (0 key,
# 1 HS_ADMIN, 2 HS_VLIST, 3 secret-key answer, 4 a whole value).
EC_PEM = ("-----BEGIN PUBLIC KEY-----\n"
          "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEs7NT/jVU9wMBhRg0aAK1qKNM7S8m\n"
          "tpK7s1l0MsBq/XKmEtiS2PdVS8ZC7ak3LECLdsceMLyx38/90WRvR/G8Vw==\n"
          "-----END PUBLIC KEY-----\n")
RSA_N = ("00bcb073e40c77e7d0422e64fa1bfdbf8f2d7a53f349773d0ef3974238182639527535"
         "b20d0542c76707d29cff9aa2737fd91230f5d0e788a6093d652825f72784b65b0341"
         "102d2b218bd4dbc9250bb4e40a326a4f371ae44cbb2242d5adde36f029c75928e0e5"
         "d789a25fc16193821313d958b40028736a2097631c8d39ad46e5")
RSA_BIN = hstr("RSA_PUB_KEY") + u16(0) + hstr(bytes.fromhex("010001")) + \
    hstr(bytes.fromhex(RSA_N))
ADMIN = u16(0x0FFF) + hstr("0.NA/88.123") + u32(300)
VLIST = u32(2) + hstr("88.123/admin") + u32(300) + hstr("0.NA/88.123") + \
    u32(301)


def hval_hex(index, typ, data_hex, perms=0x0E):
    return (u32(index) + u32(0) + u8(0) + u32(86400) + u8(perms) +
            hstr(typ) + u32(len(data_hex) // 2) + data_hex + u32(0))


HKEY = {
    "pem_ec": "00" + EC_PEM.encode().hex(),
    "pem_truncated": "00" + EC_PEM[:60].encode().hex(),
    "rsa_binary": "00" + RSA_BIN,
    "rsa_binary_trailing4": "00" + RSA_BIN + "00000000",
    "dsa_binary_short": "00" + hstr("DSA_PUB_KEY") + u16(0) + hstr(b"\x01"),
    "unknown_type": "00" + hstr("XX_PUB_KEY") + u16(0),
    "der_junk": "00" + "3003020101",
    "admin": "01" + ADMIN,
    "admin_legacy": "01" + ADMIN + "0000",
    "admin_short": "01" + u16(1),
    "vlist": "02" + VLIST,
    "vlist_huge_count": "02" + u32(0xFFFFFFFF),
    "seckey_sha1": "03" + "02" + "11" * 20,
    "seckey_md5": "03" + "22" * 16,
    "seckey_pbkdf2": "03" + "22" + hstr(b"\x05" * 16) + u32(1000) +
    u32(160) + hstr(b"\x07" * 20),
    "seckey_pbkdf2_many_rounds": "03" + "22" + hstr(b"\x05" * 16) +
    u32(0xFFFFFFFF) + u32(160) + hstr(b"\x07" * 20),
    "value_admin": "04" + hval_hex(100, "HS_ADMIN", ADMIN),
    "value_pubkey_pem": "04" + hval_hex(300, "HS_PUBKEY",
                                        EC_PEM.encode().hex()),
    "value_seckey_public": "04" + hval_hex(301, "HS_SECKEY", "616263"),
    "value_admin_at_2000": "04" + hval_hex(2000, "HS_ADMIN", ADMIN),
}

# Auth and admin request bodies (core/hmsg).
HMSG = {
    "answer": hstr("HS_PUBKEY") + hstr("0.NA/88.123") + u32(300) +
    hstr(bytes.fromhex(hstr("SHA256") + hstr(b"\x01" * 64))),
    "verify_bytes": hstr("88.123/admin") + u32(301) + hstr(b"\x02" * 16) +
    hstr(b"\x03" * 32) + hstr(b"\x02" + b"\x04" * 20),
    "verify_coded": hstr("88.123/admin") + u32(301) + hstr(b"\x02" * 16) +
    "03" + "05" * 32 + hstr(b"\x02" + b"\x04" * 20),
    "login": hstr("0.NA/88.123") + u32(300),
    "create": hstr("88.123/X") + u32(2) +
    hval_hex(1001, "TEMPLATE", "7631") + hval_hex(2000, "serialNo", "53"),
    "create_zero_values": hstr("88.123/X") + u32(0),
    "remove": hstr("88.123/X") + u32(2) + u32(2000) + u32(2001),
    "remove_too_many": hstr("88.123/X") + u32(100000),
    "empty": "",
}

# Authorization header values, then after a newline a stored token
# record "name role ent gen" (registry/auth).
TOKEN = "0123456789abcdef" * 4
BEARER = {
    "ok": "Bearer " + TOKEN + "\nent101 enterprise 91350100m000100y 3",
    "lower_scheme": "bearer " + TOKEN + "\nop operator - 0",
    "upper_hex": "Bearer " + TOKEN.upper() + "\nent1 enterprise X",
    "short": "Bearer abc\nent1 platform 91350100M000100Y",
    "long": "Bearer " + TOKEN + "0\nname",
    "basic": "Basic dXNlcjpwdw==\nent1 nobody 9135 0",
    "no_gen": "Bearer " + TOKEN + "\nent1 enterprise 91350100M000100Y",
    "too_long_record": "Bearer " + TOKEN + "\n" + "x" * 200 + " operator -",
    "nul_in_record": b"Bearer x\nent1\x00 enterprise - 0",
    "empty": "",
}

# Heterogeneous identifiers (core/hetid).
HETID = {
    "oid": "2.16.156.101818.102.1",
    "urn_oid": "urn:oid:1.2.156.7",
    "oid_arc_40": "1.40.1",
    "oid_leading_zero": "2.016.1",
    "gtin8": "96385074",
    "gtin12": "614141000036",
    "gtin13": "4006381333931",
    "gtin14": "00614141322602",
    "gtin_bad_check": "4006381333932",
    "element": "(01)04006381333931(21)SN-42",
    "element_other_ai": "(01)04006381333931(10)L1",
    "dl": "https://id.gs1.org/01/04006381333931/21/SN%2F42",
    "dl_path_prefix": "http://brand.example/shop/01/4006381333931/10/L1?x=1",
    "dl_odd_pairs": "https://id.gs1.org/01/04006381333931/21",
    "dl_no_host": "https:///01/04006381333931",
    "handle": "88.123.45/PUMP-1",
    "non_ascii": b"2.16.\xe4\xb8\xad",
}

# NAPTR substitution expressions (core/naptr): "EXPRESSION\nAUS".
NAPTR = {
    "whole": "!^.*$!https://oid.example/x!\n2.16.156",
    "backref": "!^(.*)$!https://oid.example/info?oid=\\1!\n2.16.156",
    "ons": "!^\\|\\|gtin\\|(.*)$!https://epcis.example/\\1!\n"
           "||gtin|04006381333931",
    "icase": "!^URN:(.*)$!\\1!i\nurn:oid:1.2",
    "other_delim": "#^(a)(b)?$#\\2\\1\\\\#\nab",
    "escaped_delim": "!^a\\!b$!x!\na!b",
    "no_match": "!^x$!y!\nz",
    "bounded": "!a{1,2}!b!\naa",
    "unterminated": "!^.*$!x",
    "digit_delim": "1a1b1\na",
    "long_result": "!^(.*)$!\\1\\1\\1\\1\\1\\1\\1\\1!\n" + "x" * 40,
}

TARGETS = {
    "fuzz_certid": CERTID,
    "fuzz_hkey": HKEY,
    "fuzz_hmsg": HMSG,
    "fuzz_bearer": BEARER,
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
    "fuzz_ratelim": RATELIM,
    "fuzz_hetid": HETID,
    "fuzz_naptr": NAPTR,
}

HEX_TARGETS = ("fuzz_wire", "fuzz_hval", "fuzz_site", "fuzz_hclient",
               "fuzz_certid", "fuzz_hkey", "fuzz_hmsg", "fuzz_usite",
               "fuzz_ucache")


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
