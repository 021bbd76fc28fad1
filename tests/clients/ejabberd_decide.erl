%% ejabberd 23.01's decision on a federating peer's certificate, made by
%% ejabberd's own code (p1_xmpp, fast_tls from Debian): STARTTLS as
%% xmpp_stream_out does it (xmpp_socket:starttls/2 with connect, the SNI
%% and ALPN it sets, and the CA file as ejabberd_s2s:tls_options/3 adds
%% it), then xmpp_stream_pkix:authenticate/2 on that socket, as
%% process_cert_verification/1 calls it. authenticate/2 judges the chain
%% first and the name only for a trusted chain: for an untrusted one the
%% name is undecided (null). p1_xmpp 1.6.1 raises badarg in
%% get_cert_domains/1 on any xmppAddr (it appends a binary to a list): the
%% connection then fails, which is what is reported (name false).
%%
%%   escript ejabberd_decide.erl CAFILE HOST PORT DOMAIN...
%%
%% One line per domain: DOMAIN, a tab, and {"name", "trusted", "detail"}.
%%
%%   escript ejabberd_decide.erl --connect CAFILE HOST PORT DOMAIN...
%%
%% Whether the same STARTTLS completes a handshake, and the TLS version
%% ejabberd's outgoing s2s negotiates: {"connected", "version", "detail"}.
-module(ejabberd_decide).
-export([main/1]).

main(["--connect" | Args]) ->
    put(connect, true),
    main(Args);
main([CaFile, Host, Port | Domains]) ->
    ok = io:setopts([{encoding, unicode}]),
    {ok, _} = application:ensure_all_started(fast_tls),
    {ok, _} = application:ensure_all_started(stringprep),
    {ok, _} = application:ensure_all_started(fast_xml),
    {ok, _} = application:ensure_all_started(xmpp),
    lists:foreach(fun(D) -> decide(CaFile, Host, list_to_integer(Port), D) end,
                  Domains).

decide(CaFile, Host, Port, DomainText) ->
    Domain = unicode:characters_to_binary(DomainText),
    Out = try judge(CaFile, Host, Port, Domain)
          catch C:E -> io_lib:format("{\"error\": ~s}",
                                     [json(io_lib:format("~p:~p", [C, E]))])
          end,
    io:format("~ts\t~s~n", [Domain, Out]).

judge(CaFile, Host, Port, Domain) ->
    {ok, S} = gen_tcp:connect(Host, Port, [binary, {active, false}], 5000),
    ok = gen_tcp:send(S, header(Domain)),
    ok = read_until(S, <<"</stream:features>">>, <<>>),
    ok = gen_tcp:send(S, <<"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>">>),
    ok = read_until(S, <<"proceed">>, <<>>),
    %% What xmpp_socket:starttls/2 does, with the options xmpp_stream_out
    %% passes; then the restarted stream completes the handshake, as
    %% send_header/1 and the server's answer do before process_cert_
    %% verification/1.
    SNI = list_to_binary(idna:utf8_to_ascii(Domain)),
    {ok, Raw} = fast_tls:tcp_to_tls(S, [connect, {sni, SNI},
                                        {alpn, [<<"xmpp-server">>]},
                                        {cafile, list_to_binary(CaFile)}]),
    case get(connect) of
        true -> connected(Raw, Domain);
        _ -> authenticate(Raw, Domain)
    end.

%% The handshake runs with the first send and recv.
connected(Raw, Domain) ->
    Result = case fast_tls:send(Raw, header(Domain)) of
                 ok -> fast_tls:recv(Raw, 0, 5000);
                 Error -> Error
             end,
    Cipher = case fast_tls:get_negotiated_cipher(Raw) of
                 {ok, C} -> C;
                 _ -> <<"?">>
             end,
    fast_tls:close(Raw),
    case Result of
        {ok, _} ->
            %% "TLSv1.3 TLS_AES_256_GCM_SHA384": the version first.
            [Version | _] = binary:split(Cipher, <<" ">>),
            io_lib:format("{\"connected\": true, \"version\": ~s, \"detail\": ~s}",
                          [json(binary:replace(Version, <<"TLSv">>, <<"TLS ">>)),
                           json(Cipher)]);
        {error, Why} when is_binary(Why) ->
            io_lib:format("{\"connected\": false, \"version\": null, \"detail\": ~s}",
                          [json(Why)]);
        {error, Why} ->
            io_lib:format("{\"connected\": false, \"version\": null, \"detail\": ~s}",
                          [json(io_lib:format("~p", [Why]))])
    end.

authenticate(Raw, Domain) ->
    ok = fast_tls:send(Raw, header(Domain)),
    {ok, _} = fast_tls:recv(Raw, 0, 5000),
    TLS = xmpp_socket:new(fast_tls, Raw, []),
    State = #{xmlns => <<"jabber:server">>, socket => TLS, remote_server => Domain},
    %% The chain as verify_cert/1 reads it, then the whole decision. A
    %% crash inside authenticate/2 ends the s2s connection: a failure.
    Trusted = xmpp_socket:get_verify_result(TLS) == 0,
    Result = try xmpp_stream_pkix:authenticate(State)
             catch C:E -> {crash, io_lib:format("~p:~p", [C, E])}
             end,
    xmpp_socket:close(TLS),
    case Result of
        {ok, _} ->
            "{\"name\": true, \"trusted\": true, \"detail\": \"ok\"}";
        {error, hostname_mismatch, _} ->
            "{\"name\": false, \"trusted\": true, \"detail\": \"hostname_mismatch\"}";
        {crash, Why} ->
            io_lib:format("{\"name\": false, \"trusted\": ~s, \"detail\": ~s}",
                          [Trusted, json(["authenticate/2 raised ", Why])]);
        {error, Why, _} ->
            io_lib:format("{\"name\": null, \"trusted\": false, \"detail\": ~s}",
                          [json(io_lib:format("~p", [Why]))])
    end.

header(Domain) ->
    [<<"<?xml version='1.0'?><stream:stream to='">>, Domain,
     <<"' from='xmppcv.invalid' version='1.0' xmlns='jabber:server'"
       " xmlns:stream='http://etherx.jabber.org/streams'>">>].

read_until(S, Marker, Have) ->
    case binary:match(Have, Marker) of
        nomatch ->
            {ok, More} = gen_tcp:recv(S, 0, 5000),
            read_until(S, Marker, <<Have/binary, More/binary>>);
        _ -> ok
    end.

json(Text) ->
    Bin = unicode:characters_to_binary(Text),
    Esc = binary:replace(binary:replace(Bin, <<"\\">>, <<"\\\\">>, [global]),
                         <<"\"">>, <<"\\\"">>, [global]),
    [$", Esc, $"].
