// The reason codes map onto what an operator would act on: a client speaking
// plain TCP or HTTP, an old client, a missing or untrusted client certificate.
#include "tls/tls_errors.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace echo::tls {

std::string last_error_text() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) {
        return "unknown OpenSSL error";
    }
    const char* reason = ERR_reason_error_string(e);
    return reason != nullptr ? reason : "OpenSSL error " + std::to_string(e);
}

std::string_view handshake_failure_reason() noexcept {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0 || ERR_GET_LIB(e) != ERR_LIB_SSL) {
        return e == 0 ? "eof" : "other";
    }
    switch (ERR_GET_REASON(e)) {
        case SSL_R_HTTP_REQUEST:
        case SSL_R_HTTPS_PROXY_REQUEST:
        case SSL_R_WRONG_VERSION_NUMBER:
        case SSL_R_PACKET_LENGTH_TOO_LONG:
        case SSL_R_RECORD_LENGTH_MISMATCH:
            return "not_tls";
        case SSL_R_UNSUPPORTED_PROTOCOL:
        case SSL_R_VERSION_TOO_LOW:
        case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
            return "version";
        case SSL_R_NO_SHARED_CIPHER:
        case SSL_R_NO_SHARED_GROUPS:
            return "no_shared_cipher";
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
            return "no_client_cert";
        case SSL_R_CERTIFICATE_VERIFY_FAILED:
            return "bad_client_cert";
        default:
            return "protocol";
    }
}

}  // namespace echo::tls
