// TypeORM against a database: `synchronize` creates the schema of related
// entities (enum, json, relations, unique, index), a second synchronize
// finds nothing to change, then the repository API is used. TypeORM reads
// information_schema and pg_catalog to diff the schema.
require("reflect-metadata");
const { DataSource, EntitySchema } = require("typeorm");

const out = (kind, value) => console.log(JSON.stringify([kind, value]));

const Team = new EntitySchema({
  name: "Team",
  tableName: "t_team",
  columns: {
    id: { type: "int", primary: true, generated: true },
    name: { type: "varchar", length: 60, unique: true },
    founded: { type: "date", nullable: true },
  },
  relations: { players: { type: "one-to-many", target: "Player", inverseSide: "team" } },
});
const Player = new EntitySchema({
  name: "Player",
  tableName: "t_player",
  columns: {
    id: { type: "int", primary: true, generated: true },
    nick: { type: "varchar", length: 40 },
    level: { type: "enum", enum: ["rookie", "pro", "legend"], default: "rookie" },
    stats: { type: "jsonb", nullable: true },
    rating: { type: "numeric", precision: 6, scale: 2, default: 0 },
    active: { type: "boolean", default: true },
    joined: { type: "timestamptz", createDate: true },
  },
  indices: [{ name: "t_player_nick_idx", columns: ["nick"] }],
  relations: { team: { type: "many-to-one", target: "Team", inverseSide: "players", onDelete: "CASCADE", nullable: false } },
});

async function main() {
  const ds = new DataSource({ type: "postgres", url: process.env.DATABASE_URL, entities: [Team, Player], logging: false });
  await ds.initialize();
  const q = ds.createQueryRunner();
  await q.query("DROP TABLE IF EXISTS t_player, t_team CASCADE");
  await q.query("DROP TYPE IF EXISTS t_player_level_enum");
  await ds.synchronize();
  const again = await ds.driver.createSchemaBuilder().log();
  out("second_sync", again.upQueries.map((x) => x.query));
  const cols = await q.query(
    "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_name IN ('t_team', 't_player') ORDER BY table_name, ordinal_position"
  );
  out("columns", cols);
  const teams = ds.getRepository("Team");
  const players = ds.getRepository("Player");
  const red = await teams.save({ name: "red", founded: "2001-05-06" });
  await players.save([{ nick: "ace", level: "pro", stats: { k: 3 }, rating: "9.50", team: red }, { nick: "bo", team: red }]);
  const found = await players.find({ relations: { team: true }, order: { nick: "ASC" } });
  out("players", found.map((p) => [p.nick, p.level, p.stats, p.rating, p.active, p.team.name]));
  out("count_pro", await players.count({ where: { level: "pro" } }));
  await players.update({ nick: "bo" }, { level: "legend" });
  out("levels", (await players.find({ order: { level: "ASC" } })).map((p) => p.level));
  // Pagination, an upsert, a unique violation, a transaction rolled back.
  await players.save(["cy", "di", "ed"].map((nick) => ({ nick, team: red })));
  out("pagination", (await players.find({ order: { nick: "ASC" }, skip: 1, take: 2 })).map((p) => p.nick));
  await teams.upsert([{ name: "red", founded: "1999-01-01" }, { name: "blue" }], ["name"]);
  out("upsert", (await teams.find({ order: { name: "ASC" } })).map((t) => [t.name, t.founded]));
  try {
    await teams.insert({ name: "blue" });
    out("unique_violation", "no error");
  } catch (e) {
    out("unique_violation", [e.code, e.constraint === undefined ? null : typeof e.constraint]);
  }
  try {
    await ds.transaction(async (m) => {
      await m.getRepository("Player").delete({ nick: "cy" });
      throw new Error("abort");
    });
  } catch (e) {
    out("rolled_back", [e.message, await players.count()]);
  }
  const inserted = await ds.createQueryBuilder().insert().into("t_team").values({ name: "green" }).returning(["id", "name"]).execute();
  out("returning", inserted.raw.map((r) => r.name));
  await teams.delete({ name: "red" });
  out("after_cascade", await players.count());
  await ds.destroy();
  // Over TLS (certificate not verified).
  const tls = new DataSource({ type: "postgres", url: process.env.DATABASE_URL_TLS.replace("sslmode=require", "sslmode=no-verify"), ssl: { rejectUnauthorized: false }, entities: [Team, Player], logging: false });
  await tls.initialize();
  out("tls", await tls.getRepository(Team).count());
  await tls.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
