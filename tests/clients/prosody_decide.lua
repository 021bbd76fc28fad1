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
package.path = "/usr/lib/prosody/?.lua;" .. package.path
package.cpath = "/usr/lib/prosody/?.so;" .. package.cpath

local socket = require "socket"
local ssl = require "ssl"
local x509 = require "util.x509"

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

local function json_string(s)
	return '"' .. s:gsub('[%c"\\]', function(ch) return string.format("\\u%04x", ch:byte()) end) .. '"'
end

for i = 4, #arg do
	local domain = arg[i]
	local ok, out = pcall(function()
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
	end)
	if not ok then out = '{"error": ' .. json_string(tostring(out)) .. '}' end
	io.write(domain, "\t", out, "\n")
	io.flush()
end
