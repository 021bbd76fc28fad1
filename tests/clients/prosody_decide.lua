-- Prosody 0.12's decision on a federating peer's certificate, made by
-- Prosody's own code: LuaSec with the settings Prosody's certmanager gives
-- an s2s connection (verify peer, lsec_continue and lsec_ignore_purpose),
-- STARTTLS with the peer, then the chain as getpeerverification() reports
-- it and the name as util.x509.verify_identity(domain, "xmpp-server",
-- cert) decides, exactly as mod_s2s_auth_certs calls it.
--
--   lua5.4 prosody_decide.lua CAFILE HOST PORT DOMAIN...
--
-- One line per domain: DOMAIN, a tab, and {"name", "trusted", "detail"}.
--
--   lua5.4 prosody_decide.lua --connect CAFILE HOST PORT DOMAIN...
--
-- The TLS version Prosody's outgoing s2s negotiates: the same STARTTLS
-- with the settings certmanager gives it by default, its core defaults
-- under the "intermediate" tls_profile (core/certmanager.lua
-- mozilla_ssl_configs). One line per domain: DOMAIN, a tab, and
-- {"connected", "version", "detail"}.
package.path = "/usr/lib/prosody/?.lua;" .. package.path
package.cpath = "/usr/lib/prosody/?.so;" .. package.cpath

local socket = require "socket"
local ssl = require "ssl"
local x509 = require "util.x509"

local connect_mode = arg[1] == "--connect"
if connect_mode then table.remove(arg, 1) end
local cafile, host, port = arg[1], arg[2], tonumber(arg[3])

local function starttls(domain)
	local c = assert(socket.tcp())
	c:settimeout(5)
	assert(c:connect(host, port))
	c:send("<?xml version='1.0'?><stream:stream to='" .. domain ..
		"' from='xmppcv.invalid' version='1.0' xmlns='jabber:server'" ..
		" xmlns:stream='http://etherx.jabber.org/streams'>")
	local data = ""
	while not data:find("</stream:features>", 1, true) do
		local chunk, err, partial = c:receive(1)
		chunk = chunk or partial
		if not chunk or chunk == "" then error("closed before the features: " .. tostring(err)) end
		data = data .. chunk
	end
	c:send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
	data = ""
	while not data:find("proceed", 1, true) do
		local chunk, err, partial = c:receive(1)
		chunk = chunk or partial
		if not chunk or chunk == "" then error("closed before proceed: " .. tostring(err)) end
		data = data .. chunk
	end
	return c
end

-- As core/certmanager.lua's core defaults (its "tlsv1+" is LuaSec's "any"
-- without SSL) and mod_s2s's ssl_config.
local params = {
	mode = "client", protocol = "any", cafile = cafile,
	verify = { "peer", "client_once" },
	verifyext = { "lsec_continue", "lsec_ignore_purpose" },
	options = { "no_sslv2", "no_sslv3", "no_compression" },
}

-- The outgoing context as core/certmanager.lua create_context() builds it
-- by default, through Prosody's own util.sslconfig: its core defaults
-- (protocol, verify, options, ciphers), then the "intermediate"
-- tls_profile (mozilla_ssl_configs), copied from certmanager.lua.
local sslconfig = require "util.sslconfig"
local outgoing = sslconfig.new()
outgoing:apply({
	mode = "client", protocol = "tlsv1+", cafile = cafile,
	verify = { "peer", "client_once" },
	verifyext = { "lsec_continue", "lsec_ignore_purpose" },
	options = { no_compression = true },
	ciphers = { "HIGH+kEECDH", "HIGH+kEDH", "HIGH", "!PSK", "!SRP", "!3DES", "!aNULL" },
})
outgoing:apply({
	protocol = "tlsv1_2+",
	options = { cipher_server_preference = false },
	ciphers = {
		"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
		"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
		"ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
		"DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384",
	},
	curveslist = { "X25519", "prime256v1", "secp384r1" },
})
local intermediate = outgoing:final()

local function json_string(s)
	return '"' .. s:gsub('[%c"\\]', function(ch) return string.format("\\u%04x", ch:byte()) end) .. '"'
end

local function connect(domain)
	local c = starttls(domain)
	local t = assert(ssl.wrap(c, intermediate))
	t:sni(domain)
	t:settimeout(5)
	local ok, err = t:dohandshake()
	local out
	if ok then
		local info = t:info() or {}
		out = string.format('{"connected": true, "version": %s, "detail": %s}',
			json_string((info.protocol or "?"):gsub("^TLSv", "TLS ")),
			json_string(info.cipher or "ok"))
	else
		out = '{"connected": false, "version": null, "detail": ' ..
			json_string(tostring(err)) .. '}'
	end
	t:close()
	return out
end

for i = 4, #arg do
	local domain = arg[i]
	local ok, out = pcall(connect_mode and connect or function()
		local c = starttls(domain)
		local t = assert(ssl.wrap(c, params))
		t:sni(domain)
		t:settimeout(5)
		assert(t:dohandshake())
		local valid, errors = t:getpeerverification()
		local cert = t:getpeercertificate()
		local name = x509.verify_identity(domain, "xmpp-server", cert)
		local why = {}
		for depth, list in pairs(errors or {}) do
			why[#why + 1] = "depth " .. (depth - 1) .. ": " .. table.concat(list, ", ")
		end
		t:close()
		return string.format('{"name": %s, "trusted": %s, "detail": %s}',
			tostring(name and true or false), tostring(valid and true or false),
			json_string(#why > 0 and table.concat(why, "; ") or "ok"))
	end, domain)
	if not ok then out = '{"error": ' .. json_string(tostring(out)) .. '}' end
	io.write(domain, "\t", out, "\n")
	io.flush()
end
