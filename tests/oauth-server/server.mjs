// oauth2-mock-server plus what Qlik's token endpoint does that the mock does not:
// - it checks client secrets (the mock accepts any): a confidential client's secret must be
//   `${client_id}-secret`; client ids starting with `public-` are public (PKCE, no secret);
// - it knows Qlik's user-impersonation grant (`urn:qlik:oauth:user-impersonation` with a JSON
//   `user_lookup {field, value}` object), which the mock answers with `invalid_grant`;
// - it counts requests per client id for the tests: GET /__stats?client_id=X.
// Endpoints follow Qlik's paths: /oauth/token, /oauth/authorize, /oauth/revoke.
import http from "node:http";
import { OAuth2Issuer, OAuth2Service } from "oauth2-mock-server";

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? "127.0.0.1";

const issuer = new OAuth2Issuer();
await issuer.keys.generate("RS256");
const service = new OAuth2Service(issuer, {
  token: "/oauth/token",
  authorize: "/oauth/authorize",
  revoke: "/oauth/revoke",
});

const stats = new Map();
function stat(clientId) {
  if (!stats.has(clientId)) {
    stats.set(clientId, { token: 0, grants: {}, rejected: 0, revoke: 0, last_user_lookup: null });
  }
  return stats.get(clientId);
}

function parseBody(req, buf) {
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  const text = buf.toString("utf8");
  if (type.startsWith("application/json")) return JSON.parse(text || "{}");
  return Object.fromEntries(new URLSearchParams(text));
}

function basicCredentials(req) {
  const h = req.headers.authorization ?? "";
  if (!h.toLowerCase().startsWith("basic ")) return null;
  const decoded = Buffer.from(h.slice(6), "base64").toString("utf8");
  const i = decoded.indexOf(":");
  return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
}

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  if (url.pathname === "/__stats") {
    return send(res, 200, stat(url.searchParams.get("client_id") ?? ""));
  }
  if (url.pathname === "/__health") return send(res, 200, { ok: true });
  if (req.method !== "POST" || !["/oauth/token", "/oauth/revoke"].includes(url.pathname)) {
    return service.requestHandler(req, res);
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    let body;
    try {
      body = parseBody(req, Buffer.concat(chunks));
    } catch {
      return send(res, 400, { error: "invalid_request", error_description: "body is not valid JSON" });
    }
    const basic = basicCredentials(req);
    const clientId = basic?.id ?? body.client_id ?? "";
    const secret = basic?.secret ?? body.client_secret;
    const s = stat(clientId);
    const isPublic = clientId.startsWith("public-");
    if (!clientId || (!isPublic && secret !== `${clientId}-secret`)) {
      s.rejected += 1;
      return send(res, 401, { error: "invalid_client", error_description: "client authentication failed" });
    }
    if (url.pathname === "/oauth/revoke") {
      s.revoke += 1;
      req.body = body;
      req._body = true; // body-parser then leaves req.body alone
      return service.requestHandler(req, res);
    }
    s.token += 1;
    s.grants[body.grant_type] = (s.grants[body.grant_type] ?? 0) + 1;
    if (body.grant_type === "urn:qlik:oauth:user-impersonation") {
      const lookup = body.user_lookup;
      if (
        typeof lookup !== "object" || lookup === null ||
        !["subject", "userId", "email"].includes(lookup.field) ||
        typeof lookup.value !== "string" || lookup.value === ""
      ) {
        return send(res, 400, { error: "invalid_request", error_description: "user_lookup {field, value} required" });
      }
      s.last_user_lookup = lookup;
      const ttl = 3600;
      const token = await service.buildToken(req, ttl, (_h, payload) => {
        Object.assign(payload, { sub: lookup.value, scope: body.scope ?? "user_default", act: { sub: clientId } });
      });
      return send(res, 200, { access_token: token, token_type: "bearer", expires_in: ttl });
    }
    req.body = body;
    req._body = true;
    return service.requestHandler(req, res);
  });
});

server.listen(port, host, () => {
  const { port: actual } = server.address();
  issuer.url = `http://${host}:${actual}`;
  console.log(`oauth-server listening on http://${host}:${actual}`);
});
