/* A hostile TLS client for tests/attack: repeats one post-handshake move COUNT
 * times on one connection to 127.0.0.1:PORT and optionally never reads.
 * Modes: keyupdate (KeyUpdate asking for one back, then 1 byte), tiny (1-byte
 * records), reneg (TLS 1.2 renegotiation requests). Build: cc tls_peer.c -lssl -lcrypto */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: tls_peer PORT keyupdate|tiny|reneg COUNT read|noread [seconds]\n");
        return 2;
    }
    const int port = atoi(argv[1]);
    const char* mode = argv[2];
    const long count = atol(argv[3]);
    const int reads = strcmp(argv[4], "read") == 0;
    const double limit = argc > 5 ? atof(argv[5]) : 30.0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr*)&a, sizeof a) != 0) { perror("connect"); return 1; }
    /* Records go out as written (no Nagle wait between a KeyUpdate and its data), and
     * a server that stops reading ends the loop instead of blocking it forever. */
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const struct timeval stall = {.tv_sec = 3};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &stall, sizeof stall);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &stall, sizeof stall);
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (strcmp(mode, "reneg") == 0) SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) { ERR_print_errors_fp(stderr); return 1; }
    const double start = now();
    long done = 0;
    char buf[65536];
    for (; done < count && now() - start < limit; ++done) {
        int ok = 1;
        if (strcmp(mode, "keyupdate") == 0) {
            ok = SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) == 1 && SSL_write(ssl, "k", 1) == 1;
        } else if (strcmp(mode, "tiny") == 0) {
            ok = SSL_write(ssl, "t", 1) == 1;
        } else {
            ok = SSL_renegotiate(ssl) == 1 && SSL_write(ssl, "r", 1) == 1;
        }
        if (!ok) { fprintf(stderr, "stopped at %ld: ", done); ERR_print_errors_fp(stderr); break; }
        if (reads) {
            int n = SSL_read(ssl, buf, sizeof buf);
            if (n <= 0) { fprintf(stderr, "read ended at %ld\n", done); break; }
        }
    }
    printf("%s %ld moves in %.3f s\n", mode, done, now() - start);
    fflush(stdout);
    if (argc > 6) sleep((unsigned)atoi(argv[6]));  /* hold the connection for measuring */
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return 0;
}
