// What a frontend does with the generated types: Apollo Client calls whose
// variables and results are checked against schema.graphql. `tsc --noEmit`
// runs in the client tests; each @ts-expect-error must stay an error, so the
// types cannot silently degrade to `any`.
import { ApolloClient, HttpLink, InMemoryCache } from "@apollo/client";

import possibleTypes from "../../artifacts/possible-types.json" with { type: "json" };
import {
  ArticlePageDocument,
  CreateArticleDocument,
  GlobalFeedDocument,
  SignInDocument,
  UpdateSettingsDocument,
  type ArticlePreviewFragment,
  type UserErrorCode,
} from "../generated/graphql";

const client = new ApolloClient({
  link: new HttpLink({ uri: "/graphql" }),
  cache: new InMemoryCache({ possibleTypes }),
});

export async function signIn(email: string, password: string): Promise<string | UserErrorCode[]> {
  const { data } = await client.mutate({ mutation: SignInDocument, variables: { input: { email, password } } });
  const payload = data!.login;
  return payload.token ?? payload.errors.map((error) => error.code);
}

export async function homeTitles(tag?: string): Promise<string[]> {
  const { data } = await client.query({ query: GlobalFeedDocument, variables: { first: 10, tag } });
  return data!.articles.edges.map(({ node }) => node.title);
}

export async function commentBodies(slug: string): Promise<string[]> {
  const { data } = await client.query({ query: ArticlePageDocument, variables: { slug } });
  // article is nullable (unknown slug): the types force the check.
  return data?.article?.comments.edges.map(({ node }) => `${node.author.username}: ${node.body}`) ?? [];
}

export async function publish(title: string, body: string): Promise<ArticlePreviewFragment | null> {
  const { data } = await client.mutate({
    mutation: CreateArticleDocument,
    variables: { input: { title, description: title, body, tags: ["draft"] } },
  });
  return data?.createArticle.article ?? null;
}

export async function saveBio(bio: string): Promise<string | null | undefined> {
  const { data } = await client.mutate({ mutation: UpdateSettingsDocument, variables: { input: { bio } } });
  return data?.updateViewer.viewer?.user.bio;
}

export async function misuses(): Promise<void> {
  // @ts-expect-error `slug` is required by ArticlePage
  await client.query({ query: ArticlePageDocument, variables: {} });
  const { data } = await client.query({ query: ArticlePageDocument, variables: { slug: "x" } });
  // @ts-expect-error `article` may be null
  console.log(data!.article.title);
  // @ts-expect-error the page never selected `email` on an author
  console.log(data?.article?.author.email);
  const code: UserErrorCode = "TAKEN";
  // @ts-expect-error not a UserErrorCode
  const wrong: UserErrorCode = "NOPE";
  console.log(code, wrong);
}
