"""Hand-written request streams for the differential test (tests/diff/http_parser_diff):
the request-smuggling classics and the edges of HTTP/1.1 framing (RFC 9112), each with
how the server must end the stream ("end ..." as http_parse_dump prints it).

Each stream is a tuple (name, bytes, expected end). A case after a refused request
carries a second request, so a reader that recovers and reads on is seen doing it.
"""

GET = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"
NEXT = b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n"
POST = b"POST / HTTP/1.1\r\nHost: h\r\n"
CHUNKED_BODY = b"5\r\nhello\r\n0\r\n\r\n"


def post(fields, body=b"", tail=NEXT):
    """A POST with these header lines (CRLF added), then body and a next request."""
    return POST + b"".join(f + b"\r\n" for f in fields) + b"\r\n" + body + tail


CASES = [
    # Baselines: both readers must agree on plain requests, or the rest means nothing.
    ("get", GET, "end complete"),
    ("pipelined", GET + post([b"Content-Length: 5"], b"hello") + b"GET /c HTTP/1.0\r\n\r\n",
     "end closed"),
    ("http10_keep_alive", b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + NEXT,
     "end complete"),
    ("connection_close_then_more", b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n" + NEXT,
     "end closed"),
    ("leading_crlf", b"\r\n" + GET, "end complete"),
    ("options_asterisk", b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "end complete"),
    ("absolute_form", b"GET http://example.com/x?y=1 HTTP/1.1\r\nHost: example.com\r\n\r\n" + NEXT,
     "end complete"),
    ("absolute_form_https_port",
     b"GET https://example.com:8443/ HTTP/1.1\r\nHost: example.com:8443\r\n\r\n", "end complete"),
    ("authority_form_get", b"GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n", "end rejected 400"),
    ("obs_text_in_value", b"GET / HTTP/1.1\r\nX: caf\xc3\xa9 \xff\r\n\r\n", "end complete"),
    ("empty_value", b"GET / HTTP/1.1\r\nX:\r\nY: \r\n\r\n", "end complete"),
    ("trailing_ows_in_value", b"GET / HTTP/1.1\r\nX: a b \t \r\n\r\n", "end complete"),
    ("upgrade_websocket",
     b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x85abcd", "end upgrade"),
    ("upgrade_with_body",
     b"POST /u HTTP/1.1\r\nUpgrade: foo\r\nConnection: Upgrade\r\nContent-Length: 3\r\n\r\nabc"
     b"\x00\x01", "end upgrade"),

    # Framing: Content-Length and Transfer-Encoding (RFC 9112 6).
    ("cl_and_te", post([b"Content-Length: 5", b"Transfer-Encoding: chunked"], CHUNKED_BODY),
     "end rejected 400"),
    ("te_and_cl", post([b"Transfer-Encoding: chunked", b"Content-Length: 5"], CHUNKED_BODY),
     "end rejected 400"),
    ("two_cl_same", post([b"Content-Length: 3", b"Content-Length: 3"], b"abc"), "end rejected 400"),
    ("two_cl_differ", post([b"Content-Length: 3", b"Content-Length: 4"], b"abcd"), "end rejected 400"),
    ("cl_list", post([b"Content-Length: 3, 3"], b"abc"), "end rejected 400"),
    ("cl_plus_sign", post([b"Content-Length: +3"], b"abc"), "end rejected 400"),
    ("cl_negative", post([b"Content-Length: -1"], b"abc"), "end rejected 400"),
    ("cl_inner_space", post([b"Content-Length: 1 2"], b"abc"), "end rejected 400"),
    ("cl_hex", post([b"Content-Length: 0x3"], b"abc"), "end rejected 400"),
    ("cl_overflow", post([b"Content-Length: 99999999999999999999"], b"abc"), "end rejected 400"),
    ("cl_empty", post([b"Content-Length:"], b"abc"), "end rejected 400"),
    ("te_chunked", post([b"Transfer-Encoding: chunked"], CHUNKED_BODY), "end complete"),
    ("te_chunked_not_last", post([b"Transfer-Encoding: chunked, gzip"], CHUNKED_BODY),
     "end rejected 400"),
    ("te_gzip_then_chunked", post([b"Transfer-Encoding: gzip, chunked"], CHUNKED_BODY),
     "end complete"),
    ("te_split_over_two_fields",
     post([b"Transfer-Encoding: gzip", b"Transfer-Encoding: chunked"], CHUNKED_BODY), "end complete"),
    ("te_chunked_then_gzip_fields",
     post([b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip"], CHUNKED_BODY),
     "end rejected 400"),
    ("te_xchunked", post([b"Transfer-Encoding: xchunked"], CHUNKED_BODY), "end rejected 400"),
    ("te_chunkedx", post([b"Transfer-Encoding: chunkedx"], CHUNKED_BODY), "end rejected 400"),
    ("te_identity", post([b"Transfer-Encoding: identity"], b""), "end rejected 400"),
    ("te_chunked_upper", post([b"Transfer-Encoding: CHUNKED"], CHUNKED_BODY), "end complete"),
    ("te_vertical_tab", post([b"Transfer-Encoding: \x0bchunked"], CHUNKED_BODY), "end rejected 400"),
    ("te_in_http10", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + CHUNKED_BODY,
     "end closed"),
    ("te_empty", post([b"Transfer-Encoding:"], b""), "end rejected 400"),

    # Field syntax (RFC 9112 5): obs-fold, whitespace in and around names, line ends.
    ("obs_fold", b"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n" + NEXT, "end rejected 400"),
    ("obs_fold_tab", b"GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n" + NEXT, "end rejected 400"),
    ("obs_fold_te", post([b"Transfer-Encoding:", b" chunked"], CHUNKED_BODY), "end rejected 400"),
    ("space_before_first_field", b"GET / HTTP/1.1\r\n Host: h\r\n\r\n" + NEXT, "end rejected 400"),
    ("space_before_colon", b"GET / HTTP/1.1\r\nHost : h\r\n\r\n" + NEXT, "end rejected 400"),
    ("tab_before_colon", b"GET / HTTP/1.1\r\nHost\t: h\r\n\r\n" + NEXT, "end rejected 400"),
    ("te_space_before_colon", post([b"Transfer-Encoding : chunked"], CHUNKED_BODY),
     "end rejected 400"),
    ("space_in_name", b"GET / HTTP/1.1\r\nX Y: z\r\n\r\n" + NEXT, "end rejected 400"),
    ("empty_name", b"GET / HTTP/1.1\r\n: z\r\n\r\n" + NEXT, "end rejected 400"),
    ("no_colon", b"GET / HTTP/1.1\r\nBad Header\r\n\r\n" + NEXT, "end rejected 400"),
    ("separator_in_name", b"GET / HTTP/1.1\r\nX(y): z\r\n\r\n" + NEXT, "end rejected 400"),
    ("bare_lf_everywhere", b"GET / HTTP/1.1\nHost: h\n\n" + NEXT, "end rejected 400"),
    ("bare_lf_request_line", b"GET / HTTP/1.1\nHost: h\r\n\r\n" + NEXT, "end rejected 400"),
    ("bare_lf_field", b"GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n" + NEXT, "end rejected 400"),
    ("bare_lf_end_of_head", b"GET / HTTP/1.1\r\nHost: h\r\n\n" + NEXT, "end rejected 400"),
    ("bare_lf_te", post([b"Transfer-Encoding: chunked\nX: y"], CHUNKED_BODY), "end rejected 400"),
    ("bare_cr_field", b"GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n" + NEXT, "end rejected 400"),
    ("nul_in_value", b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n" + NEXT, "end rejected 400"),
    ("ctl_in_value", b"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n" + NEXT, "end rejected 400"),
    ("del_in_value", b"GET / HTTP/1.1\r\nX: a\x7fb\r\n\r\n" + NEXT, "end rejected 400"),
    ("tab_in_value", b"GET / HTTP/1.1\r\nX: a\tb\r\n\r\n" + NEXT, "end complete"),
    ("nul_in_name", b"GET / HTTP/1.1\r\nX\x00: b\r\n\r\n" + NEXT, "end rejected 400"),

    # Chunked coding (RFC 9112 7.1).
    ("chunk_extension", post([b"Transfer-Encoding: chunked"], b"5;name=value\r\nhello\r\n0\r\n\r\n"),
     "end complete"),
    ("chunk_extension_quoted",
     post([b"Transfer-Encoding: chunked"], b'5;n="a b"\r\nhello\r\n0\r\n\r\n'), "end complete"),
    ("chunk_extension_bare_lf",
     post([b"Transfer-Encoding: chunked"], b"5;a\nhello\r\n0\r\n\r\n"), "end rejected 400"),
    ("chunk_size_overflow",
     post([b"Transfer-Encoding: chunked"], b"10000000000000005\r\nhello\r\n0\r\n\r\n"),
     "end rejected 400"),
    ("chunk_size_leading_space",
     post([b"Transfer-Encoding: chunked"], b" 5\r\nhello\r\n0\r\n\r\n"), "end rejected 400"),
    ("chunk_size_trailing_space",
     post([b"Transfer-Encoding: chunked"], b"5 \r\nhello\r\n0\r\n\r\n"), "end rejected 400"),
    ("chunk_size_0x", post([b"Transfer-Encoding: chunked"], b"0x5\r\nhello\r\n0\r\n\r\n"),
     "end rejected 400"),
    ("chunk_size_negative", post([b"Transfer-Encoding: chunked"], b"-5\r\nhello\r\n0\r\n\r\n"),
     "end rejected 400"),
    ("chunk_size_empty", post([b"Transfer-Encoding: chunked"], b"\r\nhello\r\n0\r\n\r\n"),
     "end rejected 400"),
    ("chunk_data_too_long",
     post([b"Transfer-Encoding: chunked"], b"5\r\nhelloXX\r\n0\r\n\r\n"), "end rejected 400"),
    ("chunk_data_bare_lf", post([b"Transfer-Encoding: chunked"], b"5\r\nhello\n0\r\n\r\n"),
     "end rejected 400"),
    ("chunk_size_bare_lf", post([b"Transfer-Encoding: chunked"], b"5\nhello\r\n0\r\n\r\n"),
     "end rejected 400"),
    ("chunk_last_bare_lf", post([b"Transfer-Encoding: chunked"], b"5\r\nhello\r\n0\n\n"),
     "end rejected 400"),
    # The BWS RFC 9112 7.1.1 allows before ";" is refused, as llhttp refuses it.
    ("chunk_extension_after_bws",
     post([b"Transfer-Encoding: chunked"], b"5 ;a=b\r\nhello\r\n0\r\n\r\n"), "end rejected 400"),
    ("chunk_extension_ctl",
     post([b"Transfer-Encoding: chunked"], b"5;a=\x01\r\nhello\r\n0\r\n\r\n"), "end rejected 400"),
    ("chunk_size_junk", post([b"Transfer-Encoding: chunked"], b"5 junk\r\nhello\r\n0\r\n\r\n"),
     "end rejected 400"),
    ("chunk_last_with_extension",
     post([b"Transfer-Encoding: chunked"], b"5\r\nhello\r\n0;end\r\n\r\n"), "end complete"),
    ("chunk_trailer_bare_lf",
     post([b"Transfer-Encoding: chunked"], b"5\r\nhello\r\n0\r\nT: 1\nU: 2\r\n\r\n"),
     "end rejected 400"),
    ("chunk_trailer_trailing_ows",
     post([b"Transfer-Encoding: chunked"], b"5\r\nhello\r\n0\r\nT: 1 \t\r\n\r\n"), "end complete"),
    ("chunk_trailers", post([b"Transfer-Encoding: chunked"], b"5\r\nhello\r\n0\r\nT: 1\r\n\r\n"),
     "end complete"),
    ("chunk_trailer_obs_fold",
     post([b"Transfer-Encoding: chunked"], b"5\r\nhello\r\n0\r\nT: 1\r\n 2\r\n\r\n"),
     "end rejected 400"),

    # Request line (RFC 9112 3): method, target, version.
    ("http_1_9", b"GET / HTTP/1.9\r\nHost: h\r\n\r\n" + NEXT, "end rejected 505"),
    ("http_2_0", b"GET / HTTP/2.0\r\nHost: h\r\n\r\n" + NEXT, "end rejected 505"),
    ("http_0_9_versioned", b"GET / HTTP/0.9\r\nHost: h\r\n\r\n" + NEXT, "end rejected 505"),
    ("http_3_1", b"GET / HTTP/3.1\r\nHost: h\r\n\r\n" + NEXT, "end rejected 505"),
    # The preface, were it read as HTTP/1 (the h2 switch in front takes it first).
    ("h2_preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "end rejected 400"),
    ("http_0_9_simple", b"GET /\r\n\r\n" + NEXT, "end rejected 505"),
    ("version_lowercase", b"GET / http/1.1\r\nHost: h\r\n\r\n", "end rejected 400"),
    ("version_two_digits", b"GET / HTTP/1.10\r\nHost: h\r\n\r\n", "end rejected 400"),
    ("version_trailing_space", b"GET / HTTP/1.1 \r\nHost: h\r\n\r\n", "end rejected 400"),
    ("lowercase_method", b"get / HTTP/1.1\r\nHost: h\r\n\r\n", "end rejected 400"),
    ("mixed_case_method", b"Get / HTTP/1.1\r\nHost: h\r\n\r\n", "end rejected 400"),
    ("unknown_method", b"FOO / HTTP/1.1\r\nHost: h\r\n\r\n", "end rejected 400"),
    # RFC 9112 3 lets a recipient split the request line on runs of whitespace.
    ("double_space", b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", "end complete"),
    ("tab_separator", b"GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", "end rejected 400"),
    ("space_in_target", b"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", "end rejected 400"),
    ("nul_in_target", b"GET /a\x00b HTTP/1.1\r\nHost: h\r\n\r\n", "end rejected 400"),
    ("ctl_in_target", b"GET /a\x01b HTTP/1.1\r\nHost: h\r\n\r\n", "end rejected 400"),
    ("fragment_in_target", b"GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n", "end complete"),
    ("connect_no_body", b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
     "end rejected 405"),
    ("connect_with_body",
     b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 30\r\n\r\n"
     b"GET /smuggled HTTP/1.1\r\n\r\n\r\n\r\n", "end rejected 405"),
    ("connect_then_request",
     b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n" + NEXT,
     "end rejected 405"),

    # A bad request ends the stream: nothing after it is read as a request.
    ("pipelined_after_bad", GET + b"GET / HTTP/1.1\r\nBad\r\n\r\n" + NEXT, "end rejected 400"),
    ("pipelined_after_bad_cl", post([b"Content-Length: x"], b"", NEXT), "end rejected 400"),
    ("pipelined_after_bad_chunk",
     post([b"Transfer-Encoding: chunked"], b"5\r\nhelloX\r\n", NEXT), "end rejected 400"),
    ("incomplete_head", b"GET / HTTP/1.1\r\nHost: h\r\n", "end incomplete"),
    ("incomplete_body", post([b"Content-Length: 10"], b"abc", b""), "end incomplete"),
]
