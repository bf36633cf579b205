"""Django settings for the compat-test project: one app, PostgreSQL backend,
connection from DATABASE_URL."""
import os
import urllib.parse

url = urllib.parse.urlparse(os.environ["DATABASE_URL"])
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.path.lstrip("/"),
        "USER": url.username,
        "PASSWORD": url.password or "",
        "HOST": url.hostname,
        "PORT": url.port,
        "OPTIONS": dict(urllib.parse.parse_qsl(url.query)),
    }
}
# The same database over TLS (sslmode=require), as a second alias.
tls = urllib.parse.urlparse(os.environ["DATABASE_URL_TLS"])
DATABASES["tls"] = {**DATABASES["default"], "OPTIONS": dict(urllib.parse.parse_qsl(tls.query))}
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
USE_TZ = True
TIME_ZONE = "UTC"
SECRET_KEY = "compat-tests"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
