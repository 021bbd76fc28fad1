// QCA's certificate decision, the library under Psi: the chain through
// QCA::Certificate::validate() for a TLS server (the qca-ossl provider's
// chain check, which QCA::TLS runs on a peer), with the CA file as the
// only trusted certificates and the server's other certificates as
// untrusted ones; the name through QCA::Certificate::matchesHostName().
// Psi's own check (iris, QCATLSHandler::certMatchesHostname) compares
// dNSNames and CNs with the same cert_match_domain() and adds xmppAddr,
// which is iris's code, not QCA's: the test compares this program's name
// decision with the profile's for dNSNames and CNs only.
//
//   qca_decide CAFILE DOMAIN=CHAIN.pem...
//
// One line per domain: DOMAIN, a tab, and {"name", "trusted", "detail"}.
//
//   qca_decide --connect CAFILE HOST PORT DOMAIN...
//
// Whether QCA::TLS (qca-ossl), as iris's QCATLSHandler starts it
// (startClient(host) with the trusted certificates), completes a
// handshake: STARTTLS with HOST:PORT as DOMAIN, then QCA's handshake over
// the socket. One line per domain: DOMAIN, a tab, and {"connected",
// "version" (null: QCA names no minor version), "detail"}.
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCrypto>
#include <arpa/inet.h>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static QList<QCA::Certificate> load(const QString &path)
{
	QList<QCA::Certificate> out;
	QFile f(path);
	if (!f.open(QIODevice::ReadOnly))
		return out;
	const QString text = QString::fromLatin1(f.readAll());
	const QString begin = QStringLiteral("-----BEGIN CERTIFICATE-----");
	const QString end = QStringLiteral("-----END CERTIFICATE-----");
	for (int at = text.indexOf(begin); at >= 0; at = text.indexOf(begin, at + 1)) {
		int stop = text.indexOf(end, at);
		if (stop < 0)
			break;
		QCA::ConvertResult r;
		QCA::Certificate c = QCA::Certificate::fromPEM(
			text.mid(at, stop + end.size() - at), &r);
		if (r == QCA::ConvertGood)
			out.append(c);
	}
	return out;
}

// Read from fd until marker has been seen; false on a timeout or close.
static bool readUntil(int fd, const char *marker)
{
	QByteArray got;
	char buf[4096];
	while (!got.contains(marker)) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 5000) != 1)
			return false;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return false;
		got.append(buf, (int)n);
	}
	return true;
}

// Write all of data to fd (nothing for empty data); false on an error.
static bool sendAll(int fd, const QByteArray &data)
{
	for (qsizetype at = 0; at < data.size();) {
		ssize_t n = write(fd, data.constData() + at, (size_t)(data.size() - at));
		if (n <= 0)
			return false;
		at += n;
	}
	return true;
}

// A TCP connection on which the server has answered <proceed/>, or -1.
static int starttls(const char *host, int port, const QString &domain)
{
	struct sockaddr_in sa;
	std::memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    ::connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	QByteArray hdr = "<?xml version='1.0'?><stream:stream to='" + domain.toUtf8() +
		"' version='1.0' xmlns='jabber:client' "
		"xmlns:stream='http://etherx.jabber.org/streams'>";
	QByteArray st = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
	if (write(fd, hdr.constData(), hdr.size()) < 0 || !readUntil(fd, "</stream:features>") ||
	    write(fd, st.constData(), st.size()) < 0 || !readUntil(fd, "proceed")) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connectMode(int argc, char **argv)
{
	if (argc < 6 || !QCA::isSupported("tls")) {
		std::fprintf(stderr, "usage: qca_decide --connect CAFILE HOST PORT DOMAIN... "
			"(needs the qca-ossl plugin)\n");
		return 2;
	}
	QCA::CertificateCollection trusted;
	for (const QCA::Certificate &c : load(QString::fromLocal8Bit(argv[2])))
		trusted.addCertificate(c);
	for (int i = 5; i < argc; i++) {
		const QString domain = QString::fromLocal8Bit(argv[i]);
		const QByteArray d = domain.toUtf8();
		int fd = starttls(argv[3], atoi(argv[4]), domain);
		if (fd < 0) {
			std::printf("%s\t{\"error\": \"no STARTTLS\"}\n", d.constData());
			continue;
		}
		QCA::TLS tls;
		bool done = false, failed = false;
		QObject::connect(&tls, &QCA::TLS::handshaken, [&]() {
			done = true;
			tls.continueAfterStep();
		});
		QObject::connect(&tls, &QCA::TLS::error, [&]() { failed = true; });
		tls.setTrustedCertificates(trusted);
		tls.startClient(domain);
		QElapsedTimer t;
		t.start();
		while (!done && !failed && t.elapsed() < 10000) {
			QCoreApplication::processEvents();
			if (!sendAll(fd, tls.readOutgoing()))
				failed = true;
			struct pollfd p = { fd, POLLIN, 0 };
			if (poll(&p, 1, 20) == 1) {
				char buf[16384];
				ssize_t n = read(fd, buf, sizeof(buf));
				if (n <= 0)
					failed = true;
				else
					tls.writeIncoming(QByteArray(buf, (int)n));
			}
		}
		if (done)
			std::printf("%s\t{\"connected\": true, \"version\": null, "
				"\"detail\": \"%s\"}\n", d.constData(),
				tls.cipherSuite().toUtf8().constData());
		else
			std::printf("%s\t{\"connected\": false, \"version\": null, "
				"\"detail\": \"%s\"}\n", d.constData(), failed ?
				(tls.errorCode() == QCA::TLS::ErrorHandshake ?
				"handshake failed" : "error") : "no handshake in 10 s");
		std::fflush(stdout);
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	QCA::Initializer init;
	QCoreApplication app(argc, argv);
	if (argc > 1 && std::strcmp(argv[1], "--connect") == 0)
		return connectMode(argc, argv);
	if (argc < 3 || !QCA::isSupported("cert")) {
		std::fprintf(stderr, "usage: qca_decide CAFILE DOMAIN=CHAIN.pem... "
			"(needs the qca-ossl plugin)\n");
		return 2;
	}
	QCA::CertificateCollection trusted;
	for (const QCA::Certificate &c : load(QString::fromLocal8Bit(argv[1])))
		trusted.addCertificate(c);
	for (int i = 2; i < argc; i++) {
		const QString arg = QString::fromLocal8Bit(argv[i]);
		const QString domain = arg.section(QLatin1Char('='), 0, 0);
		QList<QCA::Certificate> chain = load(arg.section(QLatin1Char('='), 1));
		if (chain.isEmpty()) {
			std::printf("%s\t{\"error\": \"cannot read the chain\"}\n",
				domain.toUtf8().constData());
			continue;
		}
		QCA::CertificateCollection untrusted;
		for (int k = 1; k < chain.size(); k++)
			untrusted.addCertificate(chain[k]);
		QCA::Validity v = chain[0].validate(trusted, untrusted,
			QCA::UsageTLSServer);
		bool name = chain[0].matchesHostName(domain);
		std::printf("%s\t{\"name\": %s, \"trusted\": %s, \"detail\": \"validity %d\"}\n",
			domain.toUtf8().constData(), name ? "true" : "false",
			v == QCA::ValidityGood ? "true" : "false", (int)v);
		std::fflush(stdout);
	}
	return 0;
}
