// Prisma against a server: `db push` of template/prisma/schema.prisma,
// `db pull` of what it made, `migrate dev` on an empty database (with its
// shadow database), `migrate deploy` of that migration to another empty
// database, `migrate status`, then the generated client (template/client.ts)
// on the deployed database, and a second `migrate dev` that alters the
// referenced model before writes through both tables. Prints one JSON line per fact so the run
// can be compared between litegres and PostgreSQL. Prisma's schema engine
// comes from ../../../shared/tools/prisma-offline (no internet here).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const here = path.dirname(fileURLToPath(import.meta.url));
const shim = path.resolve(here, "../../../shared/tools/prisma-offline/schema-engine-wasm-shim.mjs");
if (!existsSync(shim)) throw new Error(`Prisma's schema engine shim is missing: ${shim}`);
const base = new URL(process.env.DATABASE_URL);
const out = (kind, value) => console.log(JSON.stringify([kind, value]));
const urlFor = (db) => {
  const u = new URL(base);
  u.pathname = "/" + db;
  return u.toString();
};

async function recreate(db) {
  const c = new pg.Client({ connectionString: base.toString() });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${db}`);
  await c.end();
}

function prisma(dir, db, args) {
  try {
    const stdout = execFileSync("npx", ["prisma", ...args], {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: urlFor(db), PRISMA_SCHEMA_ENGINE_BINARY: shim, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { ok: true, stdout };
  } catch (e) {
    return { ok: false, stdout: (e.stdout || "") + (e.stderr || "") };
  }
}

const lines = (text) => text.split("\n").map((l) => l.trimEnd()).filter((l) => l.trim() && !l.startsWith("//"));

const work = path.join(here, ".runs");
const dir = mkdtempSync(path.join(work + "-"));
try {
  cpSync(path.join(here, "template"), dir, { recursive: true });
  // The schema engine runs in the project folder and loads its packages from there.
  symlinkSync(path.join(here, "node_modules"), path.join(dir, "node_modules"));
  cpSync(path.join(here, "package.json"), path.join(dir, "package.json"));
  for (const db of ["p_push", "p_migrate", "p_deploy"]) await recreate(db);

  const push = prisma(dir, "p_push", ["db", "push"]);
  out("db push", push.ok ? "ok" : push.stdout);

  const pull = prisma(dir, "p_push", ["db", "pull", "--print"]);
  out("db pull", pull.ok ? lines(pull.stdout) : pull.stdout);

  const dev = prisma(dir, "p_migrate", ["migrate", "dev", "--name", "init"]);
  out("migrate dev", dev.ok ? "ok" : dev.stdout);
  const migrations = path.join(dir, "prisma", "migrations");
  for (const m of readdirSync(migrations).filter((d) => d.endsWith("_init")).sort()) {
    out("migration.sql", lines(readFileSync(path.join(migrations, m, "migration.sql"), "utf8")));
  }
  const again = prisma(dir, "p_migrate", ["migrate", "diff", "--from-config-datasource", "--to-schema", path.join(dir, "prisma", "schema.prisma"), "--exit-code"]);
  out("migrate diff after dev", again.ok ? "no difference" : again.stdout);

  const deploy = prisma(dir, "p_deploy", ["migrate", "deploy"]);
  out("migrate deploy", deploy.ok ? lines(deploy.stdout).filter((l) => /applied|migration/i.test(l) && !l.includes("Datasource")).map((l) => l.replace(/\d{14}_init/, "<ts>_init")) : deploy.stdout);
  const status = prisma(dir, "p_deploy", ["migrate", "status"]);
  out("migrate status", status.ok ? lines(status.stdout).filter((l) => /up to date|not yet been applied|found/i.test(l)) : status.stdout);

  // The generated client against the deployed database.
  const generate = prisma(dir, "p_deploy", ["generate"]);
  out("generate", generate.ok ? "ok" : generate.stdout);
  try {
    const stdout = execFileSync("npx", ["tsx", "client.ts"], { cwd: dir, env: { ...process.env, DATABASE_URL: urlFor("p_deploy") }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    process.stdout.write(stdout);
  } catch (e) {
    process.stdout.write(e.stdout || "");
    out("client", (e.stderr || "").split("\n").slice(0, 8).join("\n"));
  }

  // A second schema version alters the referenced model (a longer email, a
  // required name with a default, a new column): `migrate dev` writes and
  // applies the migration, then rows go through both tables.
  const schemaFile = path.join(dir, "prisma", "schema.prisma");
  const v2 = readFileSync(schemaFile, "utf8")
    .replace("@unique @db.VarChar(120)", "@unique @db.VarChar(200)")
    .replace("name      String?", "name      String   @default(\"anon\")\n  score     Int      @default(0)");
  writeFileSync(schemaFile, v2);
  const alter = prisma(dir, "p_migrate", ["migrate", "dev", "--name", "alter"]);
  out("migrate dev alter", alter.ok ? "ok" : alter.stdout);
  for (const m of readdirSync(migrations).filter((d) => d.endsWith("_alter")).sort()) {
    out("alter migration.sql", lines(readFileSync(path.join(migrations, m, "migration.sql"), "utf8")));
  }
  const c = new pg.Client({ connectionString: urlFor("p_migrate") });
  await c.connect();
  try {
    const u = (await c.query(`INSERT INTO "User" (email) VALUES ('dee@example.com') RETURNING id, name, score`)).rows[0];
    out("alter.insert", [u.name, u.score]);
    await c.query(`INSERT INTO "Post" (title, "authorId") VALUES ('a', $1), ('b', $1)`, [u.id]);
    try {
      await c.query(`INSERT INTO "Post" (title, "authorId") VALUES ('x', 424242)`);
    } catch (e) {
      out("alter.fk_violation", e.code);
    }
    await c.query(`DELETE FROM "User" WHERE id = $1`, [u.id]);
    out("alter.cascade", (await c.query(`SELECT count(*)::int AS n FROM "Post"`)).rows[0].n);
  } finally {
    await c.end();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
