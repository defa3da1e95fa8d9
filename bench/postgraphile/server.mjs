// PostGraphile v5 on the benchmark database, the way its docs suggest running
// it in production: the Amber preset, JWTs verified by the lazy-JWT preset
// (claims become `jwt.claims.*` settings that the SQL in functions.sql reads),
// node's http server, WORKERS processes behind node:cluster.
import cluster from "node:cluster";
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PgLazyJWTPreset } from "postgraphile/presets/lazy-jwt";

const workers = Number(process.env.WORKERS ?? "1");
const port = Number(process.env.PORT ?? "5678");

const preset = {
  extends: [PostGraphileAmberPreset, PgLazyJWTPreset],
  // Our service has no generic CRUD mutations; the benchmark's mutations are
  // the SQL functions of functions.sql (createArticle would clash otherwise).
  disablePlugins: ["PgMutationCreatePlugin", "PgMutationUpdateDeletePlugin"],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.POOL_MAX_SIZE ?? "10") },
    }),
  ],
  grafserv: {
    port,
    graphqlPath: "/graphql",
    graphiql: false,
    watch: false,
    pgJwtSecret: process.env.JWT_SECRET,
    // Our tokens carry no `aud` claim.
    pgJwtVerifyOptions: { audience: undefined, algorithms: ["HS256"] },
  },
  grafast: { explain: false },
};

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (_, code) => process.exit(code ?? 1));
} else {
  const pgl = postgraphile(preset);
  if (process.argv.includes("--print-schema")) {
    const { printSchema } = await import("postgraphile/graphql");
    console.log(printSchema(await pgl.getSchema()));
    await pgl.release();
  } else {
    const serv = pgl.createServ(grafserv);
    const server = createServer();
    server.once("listening", () => console.log(`postgraphile: listening on ${port}`));
    serv.addTo(server).catch((error) => {
      console.error(error);
      process.exit(1);
    });
    server.listen(port, "127.0.0.1");
  }
}
