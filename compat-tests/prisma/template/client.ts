// Prisma Client (Prisma 7, @prisma/adapter-pg) as an application uses it:
// nested writes, relation filters, includes, an interactive transaction
// rolled back and one committed, $queryRaw, an upsert and a unique
// violation. One JSON line `[check, value]` per fact.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, Prisma } from "./generated/client";

const out = (kind: string, value: unknown) => console.log(JSON.stringify([`client.${kind}`, value], (_, v) => (typeof v === "bigint" ? v.toString() : v)));

async function main() {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL }) });
  const ann = await prisma.user.create({
    data: { email: "ann@x.io", name: "Ann", balance: new Prisma.Decimal("10.50"), profile: { langs: ["en", "fr"] }, posts: { create: [{ title: "Hello", published: true, tags: ["intro"] }, { title: "Draft" }] } },
    include: { posts: { orderBy: { title: "asc" }, select: { title: true, published: true, tags: true } } },
  });
  out("nested_create", { email: ann.email, role: ann.role, balance: ann.balance.toString(), profile: ann.profile, posts: ann.posts });
  await prisma.user.create({ data: { email: "bob@x.io", role: "ADMIN", posts: { create: { title: "Ops", tags: ["ops", "infra"] } } } });
  out("relation_filter", await prisma.user.findMany({ where: { posts: { some: { published: true } } }, select: { email: true }, orderBy: { email: "asc" } }));
  out("relation_none", await prisma.user.findMany({ where: { posts: { none: { published: true } } }, select: { email: true } }));
  out("array_filter", await prisma.post.findMany({ where: { tags: { has: "ops" } }, select: { title: true } }));
  out("count_relation", await prisma.user.findMany({ select: { email: true, _count: { select: { posts: true } } }, orderBy: { id: "asc" } }));
  out("aggregate", await prisma.user.aggregate({ _sum: { balance: true }, _max: { email: true }, _count: true }).then((a) => ({ sum: a._sum.balance?.toString(), max: a._max.email, n: a._count })));
  out("pagination", await prisma.post.findMany({ orderBy: { title: "asc" }, skip: 1, take: 2, select: { title: true } }));
  out("upsert", await prisma.user.upsert({ where: { email: "ann@x.io" }, update: { name: "Ann B." }, create: { email: "ann@x.io" }, select: { name: true } }));
  try {
    await prisma.user.create({ data: { email: "bob@x.io" } });
    out("unique_violation", "no error");
  } catch (e) {
    out("unique_violation", e instanceof Prisma.PrismaClientKnownRequestError ? e.code : String(e));
  }
  try {
    await prisma.$transaction(async (tx) => {
      await tx.user.update({ where: { email: "ann@x.io" }, data: { balance: { decrement: 5 } } });
      await tx.user.update({ where: { email: "bob@x.io" }, data: { balance: { increment: 5 } } });
      throw new Error("abort");
    });
  } catch (e) {
    out("transaction_rolled_back", (e as Error).message);
  }
  await prisma.$transaction(async (tx) => {
    await tx.user.update({ where: { email: "ann@x.io" }, data: { balance: { decrement: 2.5 } } });
    await tx.post.deleteMany({ where: { published: false, author: { email: "ann@x.io" } } });
  });
  out("balances", (await prisma.user.findMany({ orderBy: { id: "asc" }, select: { email: true, balance: true } })).map((u) => [u.email, u.balance.toString()]));
  out("query_raw", await prisma.$queryRaw`SELECT u.email, count(p.id)::int AS posts FROM "User" u LEFT JOIN "Post" p ON p."authorId" = u.id GROUP BY u.email ORDER BY u.email`);
  out("execute_raw", await prisma.$executeRaw`UPDATE "Post" SET published = true WHERE title = ${"Ops"}`);
  out("cascade", await prisma.user.delete({ where: { email: "bob@x.io" } }).then(() => prisma.post.count()));
  await prisma.$disconnect();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
