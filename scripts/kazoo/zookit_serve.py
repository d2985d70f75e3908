"""A pytest plugin that points kazoo's test harness at `zookit serve`.

kazoo's harness (kazoo.testing.harness) starts Apache ZooKeeper members in
JVMs. With this plugin loaded (`pytest -p zookit_serve`), each member is a
`zookit serve --config zoo.cfg` process instead, configured as kazoo
configures its members: tick 2000 ms, every four-letter word, the digest
super user "super:test", a TLS port with the harness's own certificates, and
the tree kept on disk across a member's stop and run. The binary comes from
$ZOOKIT_BIN.
"""

import ipaddress
import os
import select
import shutil
import subprocess
import tempfile

import kazoo.testing.harness as harness
from kazoo.testing.common import ZookeeperCluster

# kazoo's harness sets this super digest: user "super", password "test".
SUPER_DIGEST = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
START_TIMEOUT_SECONDS = 10
STOP_TIMEOUT_SECONDS = 10


class ZookitServer:
    """One `zookit serve` member, with ManagedZooKeeper's interface."""

    def __init__(self, binary, client_port, secure_client_port, ssl):
        self.binary = binary
        self.host = "127.0.0.1"
        self.server_info = None
        self._client_port = client_port
        self._secure_client_port = secure_client_port
        self._ssl = ssl
        self.working_path = tempfile.mkdtemp(prefix="zookit-kazoo-")
        self.process = None

    @property
    def address(self):
        return "%s:%s" % (self.host, self._client_port)

    @property
    def secure_address(self):
        return "%s:%s" % (self.host, self._secure_client_port)

    @property
    def running(self):
        return self.process is not None

    @property
    def client_port(self):
        return self._client_port

    @property
    def secure_client_port(self):
        return self._secure_client_port

    def _write_config(self):
        os.makedirs(os.path.join(self.working_path, "data"), exist_ok=True)
        key_store = os.path.join(self.working_path, "server.pem")
        trust_store = os.path.join(self.working_path, "ca.pem")
        with open(key_store, "wb") as f:
            f.write(self._ssl["server_key_pem"] + self._ssl["server_cert_pem"])
        with open(trust_store, "wb") as f:
            f.write(self._ssl["ca_cert_pem"])
        config = os.path.join(self.working_path, "zoo.cfg")
        with open(config, "w") as f:
            f.write(
                "tickTime=2000\n"
                "dataDir=%s\n"
                "forceSync=no\n"
                "clientPortAddress=%s\n"
                "clientPort=%d\n"
                "secureClientPort=%d\n"
                "maxClientCnxns=0\n"
                "4lw.commands.whitelist=*\n"
                "reconfigEnabled=true\n"
                "DigestAuthenticationProvider.superDigest=%s\n"
                "ssl.keyStore.location=%s\n"
                "ssl.keyStore.type=PEM\n"
                "ssl.trustStore.location=%s\n"
                "ssl.trustStore.type=PEM\n"
                % (
                    os.path.join(self.working_path, "data"),
                    self.host,
                    self._client_port,
                    self._secure_client_port,
                    SUPER_DIGEST,
                    key_store,
                    trust_store,
                )
            )
        return config

    def run(self):
        """Starts the member; returns once it accepts connections."""
        if self.running:
            return
        config = self._write_config()
        log = open(os.path.join(self.working_path, "zookit.log"), "ab")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--config", config],
            stdout=subprocess.PIPE,
            stderr=log,
        )
        log.close()
        ready, _, _ = select.select(
            [self.process.stdout], [], [], START_TIMEOUT_SECONDS
        )
        line = self.process.stdout.readline() if ready else b""
        if not line.startswith(b"listening on "):
            self.stop()
            raise RuntimeError(
                "zookit serve did not start within %ds (see %s)"
                % (START_TIMEOUT_SECONDS, self.working_path)
            )

    def stop(self):
        """Stops the member (SIGTERM), keeping its tree on disk."""
        if not self.running:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.process = None

    def reset(self):
        """Stops the member and forgets its tree."""
        self.stop()
        shutil.rmtree(os.path.join(self.working_path, "data"), True)

    def destroy(self):
        """Stops the member and removes its directory."""
        self.stop()
        shutil.rmtree(self.working_path, True)

    def get_logs(self, num_lines=100):
        try:
            with open(os.path.join(self.working_path, "zookit.log")) as f:
                return f.readlines()[-num_lines:]
        except OSError:
            return []


class ZookitCluster(ZookeeperCluster):
    """kazoo's ZookeeperCluster, with `zookit serve` members."""

    def __init__(self, binary, size, port_offset):
        self._servers = []
        # kazoo's harness makes X.509 version 1 certificates, which rustls
        # (as every WebPKI verifier) refuses: the same chain as version 3.
        self._ssl_configuration = _v3_certificates()
        for i in range(size):
            port = port_offset + 10 * i
            self._servers.append(
                ZookitServer(binary, port, port + 4, self._ssl_configuration)
            )

    def start(self):
        # Each member answers as soon as run() returns: no sleep needed.
        for server in self:
            server.run()


def _v3_certificates():
    """A CA, a server and a client certificate (PEM), as kazoo's harness
    makes them but X.509 version 3."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(common_name):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    def certificate(subject, key, issuer, issuer_key, ca, usage=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(name(issuer))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
        )
        if usage is not None:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [
                        x509.DNSName("localhost"),
                        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    ]
                ),
                False,
            ).add_extension(x509.ExtendedKeyUsage([usage]), False)
        return builder.sign(issuer_key, hashes.SHA256())

    def pem(cert):
        return cert.public_bytes(serialization.Encoding.PEM)

    def pem_key(key):
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def new_key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    ca_key, server_key, client_key = new_key(), new_key(), new_key()
    ca = certificate("CA", ca_key, "CA", ca_key, True)
    server = certificate(
        "server", server_key, "CA", ca_key, False, ExtendedKeyUsageOID.SERVER_AUTH
    )
    client = certificate(
        "client", client_key, "CA", ca_key, False, ExtendedKeyUsageOID.CLIENT_AUTH
    )
    return {
        "ca_cert_pem": pem(ca),
        "server_cert_pem": pem(server),
        "server_key_pem": pem_key(server_key),
        "client_cert_pem": pem(client),
        "client_key_pem": pem_key(client_key),
    }


_CLUSTER = None


def _zookit_cluster():
    global _CLUSTER
    if _CLUSTER is None:
        binary = os.environ["ZOOKIT_BIN"]
        size = int(os.environ.get("ZOOKEEPER_CLUSTER_SIZE", "1"))
        offset = int(os.environ.get("ZOOKEEPER_PORT_OFFSET", "20000"))
        _CLUSTER = ZookitCluster(binary, size, offset)
    return _CLUSTER


def pytest_configure(config):
    harness.get_global_cluster = _zookit_cluster


def pytest_unconfigure(config):
    if _CLUSTER is not None:
        _CLUSTER.terminate()
