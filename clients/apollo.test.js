// Apollo Client 4 against the live server: normalized cache with the exported
// possibleTypes, a mutation payload updating the cache, UNAUTHENTICATED
// errors, and automatic persisted queries over GET.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";

import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

import { ROOT, post, recordingFetch, signUp, startServer } from "./support/server.js";

const possibleTypes = JSON.parse(readFileSync(`${ROOT}/artifacts/possible-types.json`, "utf8"));
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

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
        message
      }
    }
  }
`;

const COUNTS = gql`
  fragment Counts on Article {
    favoritesCount
    viewerHasFavorited
  }
`;

function apollo(url, { token, fetch = globalThis.fetch, links = [], cacheOptions = { possibleTypes } } = {}) {
  const auth = new SetContextLink(({ headers }) => ({
    headers: token ? { ...headers, authorization: `Bearer ${token}` } : headers,
  }));
  return new ApolloClient({
    link: ApolloLink.from([auth, ...links, new HttpLink({ uri: url, fetch })]),
    cache: new InMemoryCache(cacheOptions),
  });
}

describe("Apollo Client", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("a query normalizes articles and their authors into the cache", async () => {
    const client = apollo(server.url);
    const { data } = await client.query({ query: ARTICLES, variables: { first: 5 } });

    assert.equal(data.articles.edges.length, 5);
    const cached = client.cache.extract();
    for (const { node } of data.articles.edges) {
      assert.ok(node.author.username.length > 0);
      assert.equal(cached[`Article:${node.id}`].title, node.title);
      assert.deepEqual(cached[`Article:${node.id}`].author, { __ref: `User:${node.author.id}` });
    }
  });

  test("a mutation payload updates the cached article without a refetch", async () => {
    const { token } = await signUp(server.url);
    const recorder = recordingFetch();
    const client = apollo(server.url, { token, fetch: recorder.fetch });
    const { data } = await client.query({ query: ARTICLES, variables: { first: 3 } });
    const article = data.articles.edges[0].node;
    const id = client.cache.identify(article);
    assert.equal(article.viewerHasFavorited, false);

    const result = await client.mutate({ mutation: FAVORITE, variables: { articleId: article.id } });

    assert.deepEqual(result.data.favoriteArticle.errors, []);
    assert.deepEqual(client.cache.readFragment({ id, fragment: COUNTS }), {
      __typename: "Article",
      favoritesCount: article.favoritesCount + 1,
      viewerHasFavorited: true,
    });
    // The watched list query sees the new counts from the cache alone.
    const again = await client.query({ query: ARTICLES, variables: { first: 3 }, fetchPolicy: "cache-only" });
    assert.equal(again.data.articles.edges[0].node.favoritesCount, article.favoritesCount + 1);
    assert.equal(recorder.calls.length, 2, "one query and one mutation, nothing refetched");
  });

  test("possibleTypes lets fragments on the Node interface read cached articles", async () => {
    const { data } = await post(server.url, "{ articles(first: 1) { edges { node { id } } } }");
    const articleId = data.articles.edges[0].node.id;
    const nodeQuery = gql`
      query Node($id: ID!) {
        node(id: $id) {
          id
          ... on Article {
            title
          }
        }
      }
    `;
    const fragment = gql`
      fragment AnyNode on Node {
        id
        ... on Article {
          title
        }
      }
    `;

    const client = apollo(server.url);
    const result = await client.query({ query: nodeQuery, variables: { id: articleId } });
    assert.equal(result.data.node.__typename, "Article");
    assert.deepEqual(client.cache.readFragment({ id: `Article:${articleId}`, fragment }), {
      __typename: "Article",
      id: articleId,
      title: result.data.node.title,
    });

    // Without the exported artifact the cache cannot tell that Article is a
    // Node, so the whole fragment is skipped.
    const unaware = apollo(server.url, { cacheOptions: {} });
    await unaware.query({ query: nodeQuery, variables: { id: articleId } });
    assert.deepEqual(unaware.cache.readFragment({ id: `Article:${articleId}`, fragment }), { __typename: "Article" });
  });

  test("a mutation without a token fails with UNAUTHENTICATED", async () => {
    const client = apollo(server.url);
    const { data } = await client.query({ query: ARTICLES, variables: { first: 1 } });

    await assert.rejects(
      client.mutate({ mutation: FAVORITE, variables: { articleId: data.articles.edges[0].node.id } }),
      (error) => {
        assert.ok(CombinedGraphQLErrors.is(error), `expected GraphQL errors, got ${error}`);
        assert.equal(error.errors[0].extensions.code, "UNAUTHENTICATED");
        return true;
      },
    );
  });

  test("a forged token fails even a public query with UNAUTHENTICATED", async () => {
    const client = apollo(server.url, { token: "not.a.jwt" });
    const result = await client.query({ query: ARTICLES, variables: { first: 1 }, errorPolicy: "all" });

    assert.ok(CombinedGraphQLErrors.is(result.error));
    assert.equal(result.error.errors[0].extensions.code, "UNAUTHENTICATED");
  });

  test("automatic persisted queries: hash-only GET, NOT_FOUND, retry with the query, then hash-only GET hits", async () => {
    const query = gql`
      query PersistedTags {
        tags(first: 3) {
          name
          articlesCount
        }
      }
    `;
    const persisted = () => new PersistedQueryLink({ sha256, useGETForHashedQueries: true });

    const first = recordingFetch();
    const firstClient = apollo(server.url, { fetch: first.fetch, links: [persisted()] });
    const firstResult = await firstClient.query({ query });

    assert.equal(firstResult.data.tags.length, 3);
    assert.equal(first.calls.length, 2);
    const [miss, retry] = first.calls;
    assert.equal(miss.method, "GET");
    assert.equal(miss.url.searchParams.get("query"), null, "the first request carries only the hash");
    const hash = JSON.parse(miss.url.searchParams.get("extensions")).persistedQuery.sha256Hash;
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(miss.response.errors[0].extensions.code, "PERSISTED_QUERY_NOT_FOUND");
    assert.equal(retry.method, "POST");
    assert.equal(sha256(retry.body.query), hash);
    assert.equal(retry.body.extensions.persistedQuery.sha256Hash, hash);

    // A new client (a new page load) knows nothing; the server remembers.
    const second = recordingFetch();
    const secondClient = apollo(server.url, { fetch: second.fetch, links: [persisted()] });
    const secondResult = await secondClient.query({ query });

    assert.deepEqual(secondResult.data, firstResult.data);
    assert.equal(second.calls.length, 1);
    const [hit] = second.calls;
    assert.equal(hit.method, "GET");
    assert.equal(hit.url.searchParams.get("query"), null);
    assert.equal(JSON.parse(hit.url.searchParams.get("extensions")).persistedQuery.sha256Hash, hash);
    assert.equal(hit.status, 200);
    assert.equal(hit.response.errors, undefined);
  });
});
