// Drizzle ORM (node-postgres driver) as an application uses it: a typed
// schema, inserts with RETURNING, filters, joins with aggregates, the
// relational query API, pagination, an upsert, a transaction rolled back and
// one committed, and a unique violation by SQLSTATE.
const { Pool } = require("pg");
const { drizzle } = require("drizzle-orm/node-postgres");
const { pgTable, serial, text, integer, numeric, boolean, timestamp, jsonb, uniqueIndex } = require("drizzle-orm/pg-core");
const { eq, gt, and, desc, asc, sql, count, sum, inArray, relations } = require("drizzle-orm");

const out = (kind, value) => console.log(JSON.stringify([kind, value]));

const author = pgTable("d_author", {
  id: serial("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull(),
}, (t) => ({ email: uniqueIndex("d_author_email").on(t.email) }));

const book = pgTable("d_book", {
  id: serial("id").primaryKey(),
  authorId: integer("author_id").notNull().references(() => author.id, { onDelete: "cascade" }),
  title: text("title").notNull(),
  price: numeric("price", { precision: 8, scale: 2 }),
  inPrint: boolean("in_print").default(true),
  published: timestamp("published", { withTimezone: true }),
  meta: jsonb("meta"),
});

const authorRelations = relations(author, ({ many }) => ({ books: many(book) }));
const bookRelations = relations(book, ({ one }) => ({ author: one(author, { fields: [book.authorId], references: [author.id] }) }));

async function main() {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 3 });
  const db = drizzle(pool, { schema: { author, book, authorRelations, bookRelations } });
  await db.execute(sql`DROP TABLE IF EXISTS d_book, d_author`);
  await db.execute(sql`CREATE TABLE d_author (id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL)`);
  await db.execute(sql`CREATE UNIQUE INDEX d_author_email ON d_author (email)`);
  await db.execute(sql`CREATE TABLE d_book (id serial PRIMARY KEY, author_id int NOT NULL REFERENCES d_author(id) ON DELETE CASCADE, title text NOT NULL, price numeric(8,2), in_print boolean DEFAULT true, published timestamptz, meta jsonb)`);

  const authors = await db.insert(author).values([{ name: "Ursula", email: "ul@x.io" }, { name: "Terry", email: "tp@x.io" }]).returning();
  out("insert_returning", authors);
  const books = await db
    .insert(book)
    .values([
      { authorId: authors[0].id, title: "Earthsea", price: "9.99", published: new Date(Date.UTC(1968, 10, 1)), meta: { pages: 183 } },
      { authorId: authors[0].id, title: "Dispossessed", price: "12.50", inPrint: false },
      { authorId: authors[1].id, title: "Mort", price: "7.25", meta: { series: "Discworld", n: 4 } },
    ])
    .returning({ id: book.id, title: book.title });
  out("books", books);
  out("filter", await db.select({ title: book.title, price: book.price }).from(book).where(and(gt(book.price, "8"), eq(book.inPrint, true))).orderBy(asc(book.title)));
  out("in_array", await db.select({ title: book.title }).from(book).where(inArray(book.authorId, [authors[1].id])).orderBy(book.id));
  out(
    "join_aggregate",
    await db
      .select({ name: author.name, books: count(book.id), total: sum(book.price) })
      .from(author)
      .leftJoin(book, eq(book.authorId, author.id))
      .groupBy(author.name)
      .orderBy(desc(author.name)),
  );
  out(
    "relational_query",
    await db.query.author.findMany({ orderBy: [asc(author.id)], columns: { name: true }, with: { books: { columns: { title: true }, orderBy: [asc(book.title)] } } }),
  );
  out("pagination", await db.select({ title: book.title }).from(book).orderBy(asc(book.title)).limit(2).offset(1));
  out(
    "upsert",
    await db
      .insert(author)
      .values({ name: "U. K. Le Guin", email: "ul@x.io" })
      .onConflictDoUpdate({ target: author.email, set: { name: sql`excluded.name` } })
      .returning({ name: author.name }),
  );
  try {
    await db.insert(author).values({ name: "dup", email: "tp@x.io" });
    out("unique_violation", "no error");
  } catch (e) {
    out("unique_violation", [e.code, e.constraint]);
  }
  try {
    await db.transaction(async (tx) => {
      await tx.update(book).set({ price: "0.01" });
      out("inside_transaction", (await tx.select({ n: count() }).from(book).where(eq(book.price, "0.01")))[0].n);
      tx.rollback();
    });
  } catch (e) {
    out("rolled_back", e.constructor.name);
  }
  await db.transaction(async (tx) => {
    await tx.update(book).set({ price: sql`${book.price} * 2` }).where(eq(book.authorId, authors[1].id));
    await tx.delete(book).where(eq(book.inPrint, false));
  });
  out("after_transactions", await db.select({ title: book.title, price: book.price }).from(book).orderBy(book.id));
  out("json_filter", await db.select({ title: book.title }).from(book).where(sql`${book.meta}->>'series' = 'Discworld'`));
  out("find_first", await db.query.book.findFirst({ where: eq(book.title, "Mort"), columns: { title: true, meta: true }, with: { author: { columns: { email: true } } } }));
  await pool.end();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
