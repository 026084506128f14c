FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
# Static files are collected with the production settings (DEBUG off), so CompressedManifestStaticFilesStorage writes
# the manifest (staticfiles.json) that every page's {% static %} needs at run time; with DEBUG on there is none and
# every page is a 500. The key and host are placeholders for this step only (it touches no database or Redis); the
# running containers get the real ones from .env. tests/deploy/test_image.py runs this exact command.
RUN DEBUG=0 STATIC_MANIFEST=1 SECRET_KEY=build-only-placeholder-for-collectstatic-never-used-at-run-time ALLOWED_HOSTS=build.invalid DATABASE_URL= REDIS_URL= python manage.py collectstatic --noinput
RUN useradd --create-home vf && mkdir -p /data && chown vf /data
USER vf
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn_conf.py", "vardformedling.wsgi:application"]
