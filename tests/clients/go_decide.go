// The certificate decision of Go's crypto/tls client (mellium and other Go
// XMPP clients): crypto/x509's Verify with the CA file as the only roots,
// the certificates the server sent after its own as intermediates, and
// VerifyHostname for the domain, which is what crypto/tls does with
// ServerName = the JID's domain. Offline: the same functions on the same
// certificates, standard library only.
//
//	go_decide CAFILE DOMAIN=CHAIN.pem...
//
// One line per domain: DOMAIN, a tab, and {"name", "trusted", "detail"}.
package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
)

func load(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no certificate", path)
	}
	return certs, nil
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: go_decide CAFILE DOMAIN=CHAIN.pem...")
		os.Exit(2)
	}
	roots := x509.NewCertPool()
	ca, err := os.ReadFile(os.Args[1])
	if err != nil || !roots.AppendCertsFromPEM(ca) {
		fmt.Fprintln(os.Stderr, "go_decide: cannot read the CA file")
		os.Exit(2)
	}
	for _, arg := range os.Args[2:] {
		domain, path, _ := strings.Cut(arg, "=")
		out := map[string]interface{}{}
		certs, err := load(path)
		if err != nil {
			out["error"] = err.Error()
		} else {
			inter := x509.NewCertPool()
			for _, c := range certs[1:] {
				inter.AddCert(c)
			}
			_, verr := certs[0].Verify(x509.VerifyOptions{Roots: roots,
				Intermediates: inter})
			nerr := certs[0].VerifyHostname(domain)
			out["trusted"] = verr == nil
			out["name"] = nerr == nil
			var why []string
			for _, e := range []error{verr, nerr} {
				if e != nil {
					why = append(why, e.Error())
				}
			}
			if len(why) == 0 {
				why = append(why, "ok")
			}
			out["detail"] = strings.Join(why, "; ")
		}
		line, _ := json.Marshal(out)
		fmt.Printf("%s\t%s\n", domain, line)
	}
}
