"""Certificates for TLS tests and benches, made on the spot with the `openssl` command:
a private CA, server certificates with chosen names and serials, client certificates.
Nothing is checked in, so nothing expires in the tree.

Usage: pki = Pki(directory); cert, key = pki.server("localhost", serial=0x1001)
Also a command: `python3 tls_material.py DIR [ec|rsa]` writes ca.pem, server.pem, server.key,
client.pem, client.key into DIR (for benches and by-hand runs)."""
import os
import subprocess
import sys


def _openssl(*args, cwd):
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)}: {done.stderr.strip()}")


class Pki:
    """One certificate authority in `directory`, and what it signs. `key_type` is
    "ec" (P-256) or "rsa" (2048 bits) for every key it makes."""

    def __init__(self, directory, name="echo-test-ca", key_type="ec"):
        self.directory = directory
        self.key_type = key_type
        os.makedirs(directory, exist_ok=True)
        self.ca_key = self._key(name)
        self.ca_cert = os.path.join(directory, f"{name}.pem")
        _openssl("req", "-x509", "-new", "-key", self.ca_key, "-out", self.ca_cert,
                 "-days", "30", "-subj", f"/CN={name}", "-set_serial", "1",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)

    def _key(self, stem):
        path = os.path.join(self.directory, f"{stem}.key")
        algo = (["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
                if self.key_type == "ec" else
                ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        _openssl("genpkey", *algo, "-out", path, cwd=self.directory)
        return path

    def _sign(self, stem, subject, serial, days, extensions, start=None):
        key = self._key(stem)
        csr = os.path.join(self.directory, f"{stem}.csr")
        cert = os.path.join(self.directory, f"{stem}.pem")
        ext = os.path.join(self.directory, f"{stem}.ext")
        with open(ext, "w") as f:
            f.write("\n".join(extensions) + "\n")
        _openssl("req", "-new", "-key", key, "-out", csr, "-subj", subject, cwd=self.directory)
        dates = ["-days", str(days)]
        if start is not None:
            # `openssl x509` cannot back-date; `ca` can, but needs a database. An
            # expired certificate is made by signing with a validity in the past.
            dates = ["-not_before", start[0], "-not_after", start[1]]
            return self._sign_with_dates(csr, cert, serial, ext, dates, key)
        _openssl("x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", self.ca_key,
                 "-set_serial", str(serial), "-out", cert, "-extfile", ext, *dates,
                 cwd=self.directory)
        return cert, key

    def _sign_with_dates(self, csr, cert, serial, ext, dates, key):
        db = os.path.join(self.directory, "ca-db")
        os.makedirs(db, exist_ok=True)
        index = os.path.join(db, "index.txt")
        open(index, "a").close()
        conf = os.path.join(db, "ca.cnf")
        with open(conf, "w") as f:
            f.write(f"[ca]\ndefault_ca=d\n[d]\ndatabase={index}\nnew_certs_dir={db}\n"
                    f"serial={db}/serial\n"
                    f"policy=p\ndefault_md=sha256\nunique_subject=no\n[p]\ncommonName=supplied\n")
        with open(os.path.join(db, "serial"), "w") as f:
            f.write(f"{serial:04X}\n")
        _openssl("ca", "-batch", "-config", conf, "-cert", self.ca_cert, "-keyfile", self.ca_key,
                 "-in", csr, "-out", cert, "-notext", "-extfile", ext,
                 "-startdate", dates[1], "-enddate", dates[3], cwd=self.directory)
        return cert, key

    def server(self, name, sans=None, serial=0x1000, days=30, expired=False):
        """A server certificate for `name` (also its CN), valid for `sans` (DNS names
        and IP literals; default: name, localhost, 127.0.0.1, ::1)."""
        sans = sans or [name, "localhost", "127.0.0.1", "::1"]
        alt = ",".join(("IP:" if _is_ip(s) else "DNS:") + s for s in dict.fromkeys(sans))
        stem = f"server-{name}-{serial:x}"
        extensions = [f"subjectAltName={alt}", "extendedKeyUsage=serverAuth",
                      "basicConstraints=CA:FALSE"]
        window = ("20200101000000Z", "20200201000000Z") if expired else None
        return self._sign(stem, f"/CN={name}", serial, days, extensions, window)

    def client(self, name, serial=0x2000, days=30):
        """A client certificate with subject CN=`name`."""
        return self._sign(f"client-{name}-{serial:x}", f"/CN={name}", serial, days,
                          ["extendedKeyUsage=clientAuth", "basicConstraints=CA:FALSE"])


def _is_ip(text):
    return text.replace(".", "").isdigit() or ":" in text


def main(directory, key_type="ec"):
    pki = Pki(directory, key_type=key_type)
    os.replace(pki.ca_cert, os.path.join(directory, "ca.pem"))
    pki.ca_cert = os.path.join(directory, "ca.pem")
    cert, key = pki.server("localhost")
    os.replace(cert, os.path.join(directory, "server.pem"))
    os.replace(key, os.path.join(directory, "server.key"))
    cert, key = pki.client("echo-client")
    os.replace(cert, os.path.join(directory, "client.pem"))
    os.replace(key, os.path.join(directory, "client.key"))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["ec"], ["rsa"]):
        sys.exit("usage: tls_material.py DIR [ec|rsa]")
    main(*sys.argv[1:])
