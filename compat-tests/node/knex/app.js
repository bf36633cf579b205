// knex against a database: schema builder (createTable with foreign keys,
// enum, json, timestamps), hasTable/hasColumn, a transaction with a
// rollback, queries through the builder, and a migration altering the
// referenced table before more writes. Prints one JSON line per fact.
const knex = require("knex")({ client: "pg", connection: process.env.DATABASE_URL });

const out = (kind, value) => console.log(JSON.stringify([kind, value]));

async function main() {
  await knex.schema.dropTableIfExists("k_line");
  await knex.schema.dropTableIfExists("k_order");
  await knex.schema.dropTableIfExists("k_user");
  await knex.schema.createTable("k_user", (t) => {
    t.increments("id");
    t.string("email", 120).notNullable().unique();
    t.enu("role", ["admin", "member"]).defaultTo("member");
    t.jsonb("prefs");
    t.timestamps(true, true);
  });
  await knex.schema.createTable("k_order", (t) => {
    t.bigIncrements("id");
    t.integer("user_id").unsigned().references("id").inTable("k_user").onDelete("CASCADE");
    t.decimal("total", 12, 2).notNullable().defaultTo(0);
    t.boolean("paid").defaultTo(false);
    t.index(["user_id"], "k_order_user_idx");
  });
  out("hasTable", [await knex.schema.hasTable("k_user"), await knex.schema.hasTable("k_nope")]);
  out("hasColumn", [await knex.schema.hasColumn("k_user", "email"), await knex.schema.hasColumn("k_user", "nope")]);
  await knex.schema.alterTable("k_order", (t) => {
    t.text("note");
  });
  out("hasColumn.after_alter", await knex.schema.hasColumn("k_order", "note"));

  const [ann] = await knex("k_user").insert({ email: "ann@example.com", prefs: { theme: "dark" } }).returning(["id", "role"]);
  out("insert.returning", ann);
  await knex("k_order").insert([{ user_id: ann.id, total: "10.50" }, { user_id: ann.id, total: "4.25", paid: true }]);
  try {
    await knex.transaction(async (trx) => {
      await trx("k_order").insert({ user_id: ann.id, total: "99.99" });
      throw new Error("rollback");
    });
  } catch (e) {
    out("transaction", e.message);
  }
  const rows = await knex("k_order").join("k_user", "k_user.id", "k_order.user_id").select("k_user.email", "k_order.total", "k_order.paid").orderBy("k_order.id");
  out("join", rows);
  out("sum", await knex("k_order").sum({ s: "total" }).first());
  out("count_paid", await knex("k_order").where({ paid: true }).count({ n: "*" }).first());
  await knex("k_order").where("total", "<", 5).update({ note: "small" });
  out("updated", await knex("k_order").whereNotNull("note").pluck("total"));
  out("prefs", (await knex("k_user").select("prefs").first()).prefs);
  try {
    await knex("k_user").insert({ email: "ann@example.com" });
  } catch (e) {
    out("unique_violation", [e.code, e.constraint]);
  }
  // An upsert and pagination.
  await knex("k_user").insert([{ email: "bo@example.com" }, { email: "ann@example.com", prefs: { theme: "light" } }]).onConflict("email").merge(["prefs"]);
  out("upsert", await knex("k_user").select("email", "prefs").orderBy("email"));
  out("pagination", await knex("k_order").select("total").orderBy("total", "desc").limit(1).offset(1));
  // A migration that alters the referenced table (and the referencing one),
  // then writes through both.
  await knex.schema.alterTable("k_user", (t) => {
    t.string("email", 200).notNullable().alter();
    t.integer("score").notNullable().defaultTo(0);
    t.string("nick", 40).nullable();
  });
  await knex.schema.alterTable("k_user", (t) => {
    t.string("nick", 60).defaultTo("anon").alter();
    t.renameColumn("prefs", "settings");
  });
  await knex.schema.alterTable("k_order", (t) => {
    t.decimal("total", 14, 2).notNullable().defaultTo(1).alter();
  });
  const [cy] = await knex("k_user").insert({ email: "cy@example.com" }).returning(["id", "score", "nick"]);
  out("altered.insert", [cy.score, cy.nick]);
  await knex("k_order").insert([{ user_id: cy.id }, { user_id: cy.id, total: "2.50" }]);
  try {
    await knex("k_order").insert({ user_id: 987654 });
  } catch (e) {
    out("altered.fk_violation", e.code);
  }
  await knex("k_user").where({ id: cy.id }).del();
  out("altered.cascade", await knex("k_order").join("k_user", "k_user.id", "k_order.user_id").select("k_user.email", "k_order.total").orderBy("k_order.id"));
  const cols = await knex("k_user").columnInfo();
  out("columnInfo", Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, [v.type, v.maxLength, v.nullable]])));
  await knex.destroy();
  // Over TLS (certificate not verified, as sslmode=require).
  const tls = require("knex")({ client: "pg", connection: { connectionString: process.env.DATABASE_URL_TLS.replace("sslmode=require", "sslmode=no-verify"), ssl: { rejectUnauthorized: false } } });
  out("tls", (await tls.raw("SELECT 6 * 7 AS answer")).rows);
  await tls.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
