from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=50, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")


class Product(models.Model):
    sku = models.CharField(max_length=20, unique=True)
    title = models.TextField()
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stock = models.IntegerField(default=0)
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    attrs = models.JSONField(default=dict)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    tags = models.ManyToManyField("Tag", blank=True)

    class Meta:
        indexes = [models.Index(fields=["title"], name="product_title_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(price__gte=0), name="price_nonnegative")]


class Tag(models.Model):
    label = models.SlugField(max_length=30)
    uid = models.UUIDField(null=True)
