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
#include <QtCore/QCoreApplication>
#include <QtCore/QFile>
#include <QtCrypto>
#include <cstdio>

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

int main(int argc, char **argv)
{
	QCA::Initializer init;
	QCoreApplication app(argc, argv);
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
