// urql against the live server, set up as its docs do: at its defaults (queries
// as GET, no extra headers), then with Graphcache fed the exported
// introspection (schema awareness) and persistedExchange at its defaults.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";

import { Client, cacheExchange as documentCacheExchange, fetchExchange, gql } from "@urql/core";
import { cacheExchange } from "@urql/exchange-graphcache";
import { persistedExchange } from "@urql/exchange-persisted";

import { ROOT, recordingFetch, signUp, startServer } from "./support/server.js";

const schema = JSON.parse(readFileSync(`${ROOT}/artifacts/introspection.json`, "utf8"));

// Types without an `id` are embedded in their parent instead of normalized;
// saying so explicitly keeps Graphcache from warning about each one.
const embedded = () => null;
const keys = {
  ArticleConnection: embedded,
  ArticleEdge: embedded,
  CommentConnection: embedded,
  CommentEdge: embedded,
  UserConnection: embedded,
  UserEdge: embedded,
  PageInfo: embedded,
  Viewer: embedded,
  UserError: embedded,
  AuthPayload: embedded,
  FavoriteArticlePayload: embedded,
  Tag: (tag) => tag.name,
};

const ARTICLES = gql`
  query Articles($first: Int!) {
    articles(first: $first) {
      edges {
        node {
          id
          slug
          title
          favoritesCount
          viewerHasFavorited
          author {
            id
            username
          }
        }
      }
    }
  }
`;

const FAVORITE = gql`
  mutation Favorite($articleId: ID!) {
    favoriteArticle(input: { articleId: $articleId }) {
      article {
        id
        favoritesCount
        viewerHasFavorited
      }
      errors {
        code
      }
    }
  }
`;

const NODE = gql`
  query Node($id: ID!) {
    node(id: $id) {
      ...AnyNode
    }
  }

  fragment AnyNode on Node {
    id
    ... on Article {
      title
      author {
        id
        username
      }
    }
  }
`;

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

// Authorization as urql's docs set it up ("Setting up the Client"): the only
// option beyond the defaults. Queries go out as GET within the URL limit.
const fetchOptions = (token) => () => ({ headers: { authorization: token ? `Bearer ${token}` : "" } });

function urql(url, { token, persisted = false, schemaAware = true } = {}) {
  const recorder = recordingFetch();
  const warnings = [];
  const cache = cacheExchange({
    ...(schemaAware ? { schema } : {}),
    keys,
    logger: (severity, message) => {
      if (severity !== "debug") warnings.push(message);
    },
  });
  const exchanges = persisted ? [cache, persistedExchange(), fetchExchange] : [cache, fetchExchange];
  const client = new Client({ url, exchanges, fetch: recorder.fetch, fetchOptions: fetchOptions(token) });
  return { client, calls: recorder.calls, warnings };
}

const VIEWER = gql`
  query Viewer {
    viewer {
      user {
        username
      }
    }
  }
`;

// One server for the file: both suites read the same seeded data.
let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

describe("urql at its defaults", () => {

  test("a query goes out as GET, with no Content-Type and no preflight header, and gets data", async () => {
    const recorder = recordingFetch();
    const client = new Client({
      url: server.url,
      exchanges: [documentCacheExchange, fetchExchange],
      fetch: recorder.fetch,
    });

    const result = await client.query(ARTICLES, { first: 2 }).toPromise();

    assert.equal(result.error, undefined);
    assert.equal(result.data.articles.edges.length, 2);
    const [call] = recorder.calls;
    assert.equal(recorder.calls.length, 1);
    assert.equal(call.method, "GET");
    assert.equal(call.status, 200);
    assert.equal(call.headers["content-type"], undefined);
    assert.deepEqual(Object.keys(call.headers), ["accept"], "no Content-Type, no preflight header");
  });

  test("signed in with the bearer header, a query still goes out as GET and answers for the viewer", async () => {
    const { token, user } = await signUp(server.url);
    const recorder = recordingFetch();
    const client = new Client({
      url: server.url,
      exchanges: [documentCacheExchange, fetchExchange],
      fetch: recorder.fetch,
      fetchOptions: fetchOptions(token),
    });

    const result = await client.query(VIEWER, {}).toPromise();

    assert.equal(result.error, undefined);
    assert.equal(result.data.viewer.user.username, user.username);
    assert.equal(recorder.calls[0].method, "GET");
  });

  test("a mutation goes out as POST with a JSON body", async () => {
    const { token } = await signUp(server.url);
    const recorder = recordingFetch();
    const client = new Client({
      url: server.url,
      exchanges: [documentCacheExchange, fetchExchange],
      fetch: recorder.fetch,
      fetchOptions: fetchOptions(token),
    });
    const list = await client.query(ARTICLES, { first: 1 }).toPromise();

    const result = await client.mutation(FAVORITE, { articleId: list.data.articles.edges[0].node.id }).toPromise();

    assert.equal(result.error, undefined);
    assert.deepEqual(result.data.favoriteArticle.errors, []);
    assert.equal(recorder.calls[1].method, "POST");
    assert.match(recorder.calls[1].headers["content-type"], /^application\/json/);
  });
});

describe("urql with Graphcache", () => {

  test("a query result is served from the normalized cache afterwards", async () => {
    const { client, calls, warnings } = urql(server.url);
    const result = await client.query(ARTICLES, { first: 4 }).toPromise();

    assert.equal(result.error, undefined);
    assert.equal(result.data.articles.edges.length, 4);
    const cached = client.readQuery(ARTICLES, { first: 4 });
    assert.deepEqual(cached.data, result.data);
    const again = await client.query(ARTICLES, { first: 4 }).toPromise();
    assert.equal(again.operation.context.meta.cacheOutcome, "hit");
    assert.equal(calls.length, 1);
    assert.deepEqual(warnings, []);
  });

  test("a mutation result updates the cached article everywhere it appears", async () => {
    const { token } = await signUp(server.url);
    const { client, calls, warnings } = urql(server.url, { token });
    const list = await client.query(ARTICLES, { first: 3 }).toPromise();
    const article = list.data.articles.edges[1].node;
    assert.equal(article.viewerHasFavorited, false);

    const mutation = await client.mutation(FAVORITE, { articleId: article.id }).toPromise();

    assert.equal(mutation.error, undefined);
    assert.deepEqual(mutation.data.favoriteArticle.errors, []);
    const cachedList = client.readQuery(ARTICLES, { first: 3 });
    const cachedArticle = cachedList.data.articles.edges[1].node;
    assert.equal(cachedArticle.favoritesCount, article.favoritesCount + 1);
    assert.equal(cachedArticle.viewerHasFavorited, true);
    assert.equal(calls.length, 2, "one query and one mutation, nothing refetched");
    assert.deepEqual(warnings, []);
  });

  test("the introspection lets Graphcache match fragments on the Node interface without guessing", async () => {
    const { client, warnings } = urql(server.url);
    const list = await client.query(ARTICLES, { first: 1 }).toPromise();
    const article = list.data.articles.edges[0].node;

    const fetched = await client.query(NODE, { id: article.id }).toPromise();
    const cached = client.readQuery(NODE, { id: article.id });

    assert.equal(fetched.data.node.title, article.title);
    assert.deepEqual(cached.data, fetched.data);
    assert.equal(cached.data.node.title, article.title);
    assert.deepEqual(warnings, []);

    // Without the schema the same read falls back to heuristic matching.
    const unaware = urql(server.url, { schemaAware: false });
    await unaware.client.query(NODE, { id: article.id }).toPromise();
    unaware.client.readQuery(NODE, { id: article.id });
    assert.ok(
      unaware.warnings.some((message) => message.includes("Heuristic Fragment Matching")),
      `expected a heuristic-matching warning, got ${JSON.stringify(unaware.warnings)}`,
    );
  });

  test("persistedExchange: hash-only GET, NOT_FOUND, retry with the query, then hash-only GET hits", async () => {
    const TAGS = gql`
      query UrqlPersistedTags {
        tags(first: 2) {
          name
          articlesCount
        }
      }
    `;
    const first = urql(server.url, { persisted: true });
    const firstResult = await first.client.query(TAGS, {}).toPromise();

    assert.equal(firstResult.error, undefined);
    assert.equal(firstResult.data.tags.length, 2);
    assert.equal(first.calls.length, 2);
    const [miss, retry] = first.calls;
    assert.equal(miss.method, "GET");
    assert.equal(miss.url.searchParams.get("query"), null);
    assert.equal(miss.response.errors[0].extensions.code, "PERSISTED_QUERY_NOT_FOUND");
    const hash = JSON.parse(miss.url.searchParams.get("extensions")).persistedQuery.sha256Hash;
    const retried = retry.body ?? Object.fromEntries(retry.url.searchParams);
    assert.equal(sha256(retried.query), hash);

    const second = urql(server.url, { persisted: true });
    const secondResult = await second.client.query(TAGS, {}).toPromise();

    assert.deepEqual(secondResult.data, firstResult.data);
    assert.equal(second.calls.length, 1);
    assert.equal(second.calls[0].method, "GET");
    assert.equal(second.calls[0].url.searchParams.get("query"), null);
    assert.equal(second.calls[0].response.errors, undefined);
  });
});
