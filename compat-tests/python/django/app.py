"""Django against a database: makemigrations + migrate for an app of related
models (self-reference, PROTECT foreign key, many-to-many, JSON, check
constraint), the ORM in use, a second migration altering the referenced
table and writes through it, then inspectdb's reproduction of the tables."""
import io
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "project"))
os.environ["DJANGO_SETTINGS_MODULE"] = "settings"

import django
from django.core.management import call_command


def out(kind, value):
    print(json.dumps([kind, value], sort_keys=True, default=str))


django.setup()
from django.db import connection

with connection.cursor() as c:
    c.execute("DROP TABLE IF EXISTS shop_product_tags, shop_product, shop_tag, shop_category, django_migrations, "
              "auth_user_user_permissions, auth_user_groups, auth_group_permissions, auth_permission, auth_group, auth_user, "
              "django_content_type CASCADE")

# Migrations are generated into a temporary module so the tree stays clean.
mig = tempfile.mkdtemp()
open(os.path.join(mig, "__init__.py"), "w").close()
sys.path.insert(0, os.path.dirname(mig))
from django.conf import settings

settings.MIGRATION_MODULES = {"shop": os.path.basename(mig)}
call_command("makemigrations", "shop", stdout=io.StringIO())
buf = io.StringIO()
call_command("migrate", stdout=buf)
out("migrate.applied", sorted(l.strip() for l in buf.getvalue().splitlines() if l.strip().startswith("Applying")))
buf = io.StringIO()
call_command("migrate", stdout=buf)
out("migrate.again", [l.strip() for l in buf.getvalue().splitlines() if "Applying" in l])

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from shop.models import Category, Product, Tag

root = Category.objects.create(name="root")
tools = Category.objects.create(name="tools", parent=root)
t1, t2 = Tag.objects.create(label="new"), Tag.objects.create(label="sale")
p = Product.objects.create(sku="H-1", title="Hammer", price="12.50", category=tools, attrs={"weight": 1.5})
p.tags.add(t1, t2)
Product.objects.create(sku="S-2", title="Saw", price="30.00", stock=3, category=tools)
out("orm.products", list(Product.objects.order_by("sku").values("sku", "price", "stock", "active", "attrs")))
out("orm.tag_counts", list(Product.objects.annotate(n=Count("tags")).order_by("sku").values_list("sku", "n")))
out("orm.stock_sum", Product.objects.aggregate(s=Sum("stock")))
out("orm.children", list(root.children.values_list("name", flat=True)))
out("orm.json_lookup", list(Product.objects.filter(attrs__weight__gt=1).values_list("sku", flat=True)))
try:
    with transaction.atomic():
        Product.objects.create(sku="X", title="bad", price="-1", category=tools)
except IntegrityError as e:
    out("orm.check", getattr(e.__cause__, "pgcode", None) or getattr(e.__cause__, "sqlstate", None))
try:
    with transaction.atomic():
        tools.delete()
except Exception as e:
    out("orm.protect", type(e).__name__)
out("orm.count_after", Product.objects.count())
# Pagination, an upsert, a unique violation by SQLSTATE.
from django.core.paginator import Paginator
from django.db import IntegrityError as DjIntegrityError

for i in range(4):
    Tag.objects.create(label=f"t{i}")
page = Paginator(Tag.objects.order_by("label"), 2).page(2)
out("orm.page", [t.label for t in page.object_list])
saw = Product.objects.get(sku="S-2")
item, created = Product.objects.update_or_create(sku="S-2", defaults={"stock": 7})
out("orm.update_or_create", [item.sku, item.stock, created])
Product.objects.bulk_create(
    [Product(sku="S-2", title="Saw", price="31.00", category=saw.category), Product(sku="N-9", title="Nail", price="0.10", category=saw.category)],
    update_conflicts=True,
    unique_fields=["sku"],
    update_fields=["price"],
)
out("orm.bulk_upsert", list(Product.objects.order_by("sku").values_list("sku", "price")))
try:
    with transaction.atomic():
        Product.objects.create(sku="N-9", title="dup", price="1", category=saw.category)
except DjIntegrityError as e:
    out("orm.unique_violation", getattr(e.__cause__, "pgcode", None) or getattr(e.__cause__, "sqlstate", None))

# A second migration alters the table every other one references (a longer
# name, a new NOT NULL column whose default Django drops right after adding
# it), then rows are written through it and the tables that reference it.
from django.db import models as dj_models

Category._meta.get_field("name").max_length = 80
dj_models.CharField(max_length=30, default="none").contribute_to_class(Category, "slug")
call_command("makemigrations", "shop", stdout=io.StringIO())
buf = io.StringIO()
call_command("migrate", stdout=buf)
out("migrate.second", [l.strip().split("_", 1)[0] for l in buf.getvalue().splitlines() if l.strip().startswith("Applying")])
garden = Category.objects.create(name="garden" * 10, slug="garden")
shed = Category.objects.create(name="shed", parent=garden)
Product.objects.create(sku="G-1", title="Rake", price="9.00", category=garden)
try:
    with transaction.atomic():
        Product.objects.create(sku="G-2", title="Lost", price="1.00", category_id=999999)
except IntegrityError as e:
    out("second.fk_violation", getattr(e.__cause__, "pgcode", None) or getattr(e.__cause__, "sqlstate", None))
try:
    with transaction.atomic():
        garden.delete()
except Exception as e:
    out("second.protect", type(e).__name__)
Product.objects.filter(sku="G-1").delete()
garden.delete()
shed.refresh_from_db()
out("second.set_null", [shed.name, shed.parent_id, shed.slug])
out("second.categories", list(Category.objects.order_by("name").values_list("name", "slug")))

buf = io.StringIO()
call_command("inspectdb", "shop_category", "shop_product", "shop_tag", "shop_product_tags", stdout=buf)
for line in buf.getvalue().splitlines():
    if line.strip() and not line.startswith("#"):
        print(json.dumps(["inspectdb", line]))

from django.db import connections

with connections["tls"].cursor() as c:
    c.execute("SELECT count(*) FROM shop_product")
    out("tls", [c.fetchone()[0], bool(connections["tls"].connection.pgconn.ssl_in_use)])
