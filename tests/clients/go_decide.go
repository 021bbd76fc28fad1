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
//
//	go_decide -connect CAFILE HOST PORT DOMAIN...
//
// The TLS versions crypto/tls negotiates as mellium's dialer sets it up
// (dial/dial.go: tls.Config{ServerName: the domain}, no MinVersion):
// STARTTLS with HOST:PORT as DOMAIN, then tls.Client's handshake with the
// CA file as roots. One line per domain: DOMAIN, a tab, and {"connected",
// "version", "detail"}.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// starttls: a connection on which the server has answered <proceed/>.
func starttls(addr, domain string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "<?xml version='1.0'?><stream:stream to='%s' version='1.0' "+
		"xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>", domain)
	var got []byte
	buf := make([]byte, 4096)
	for _, marker := range []string{"</stream:features>", "proceed"} {
		for !bytes.Contains(got, []byte(marker)) {
			n, err := c.Read(buf)
			if err != nil {
				c.Close()
				return nil, fmt.Errorf("before %s: %v", marker, err)
			}
			got = append(got, buf[:n]...)
		}
		got = nil
		if marker != "proceed" {
			fmt.Fprint(c, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
		}
	}
	return c, nil
}

func connect(roots *x509.CertPool, addr, domain string) map[string]interface{} {
	out := map[string]interface{}{}
	c, err := starttls(addr, domain)
	if err != nil {
		out["error"] = err.Error()
		return out
	}
	defer c.Close()
	t := tls.Client(c, &tls.Config{ServerName: domain, RootCAs: roots})
	if err := t.Handshake(); err != nil {
		out["connected"], out["version"], out["detail"] = false, nil, err.Error()
		return out
	}
	v := t.ConnectionState().Version
	out["connected"] = true
	out["version"] = fmt.Sprintf("TLS 1.%d", v-tls.VersionTLS10)
	out["detail"] = "ok"
	return out
}

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
	args := os.Args[1:]
	live := len(args) > 0 && args[0] == "-connect"
	if live {
		args = args[1:]
	}
	if len(args) < 2 || (live && len(args) < 4) {
		fmt.Fprintln(os.Stderr, "usage: go_decide CAFILE DOMAIN=CHAIN.pem...\n"+
			"       go_decide -connect CAFILE HOST PORT DOMAIN...")
		os.Exit(2)
	}
	roots := x509.NewCertPool()
	ca, err := os.ReadFile(args[0])
	if err != nil || !roots.AppendCertsFromPEM(ca) {
		fmt.Fprintln(os.Stderr, "go_decide: cannot read the CA file")
		os.Exit(2)
	}
	if live {
		addr := net.JoinHostPort(args[1], args[2])
		for _, domain := range args[3:] {
			line, _ := json.Marshal(connect(roots, addr, domain))
			fmt.Printf("%s\t%s\n", domain, line)
		}
		return
	}
	for _, arg := range args[1:] {
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
