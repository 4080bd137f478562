# Front-end files from npm: only what production serves (Chart.js and its source map,
# SortableJS for the pipeline board;
# devDependencies such as axe-core are for the tests).
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error \
    && mkdir -p vendor \
    && cp node_modules/chart.js/dist/chart.umd.min.js \
          node_modules/chart.js/dist/chart.umd.min.js.map vendor/ \
    && cp node_modules/sortablejs/Sortable.min.js vendor/

FROM python:3.11-slim AS app

# PYTHONPATH: celery and gunicorn import the project from /app, where its templates,
# static files and translations are (the installed copy is for the dependencies).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONPATH=/app

WORKDIR /app
COPY pyproject.toml README.md ./
COPY crm ./crm
COPY leads ./leads
COPY notifications ./notifications
COPY handoff ./handoff
COPY metrics ./metrics
COPY imports ./imports
COPY integrations ./integrations
COPY alignment ./alignment
COPY scoring ./scoring
RUN pip install .

COPY . .
COPY --from=assets /build/vendor ./static/vendor
# The manifest is built by the same settings that serve it (production). Its checks need
# a secret, a host and a database URL: these placeholders live only in this RUN step, no
# database is contacted, and the running container gets the real ones from its environment.
RUN DJANGO_ENV=production \
    SECRET_KEY=collectstatic-build-step-placeholder-never-used-at-runtime-0123456789 \
    ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build@build.invalid:5432/build \
    python manage.py collectstatic --noinput

RUN useradd --create-home app && mkdir -p /app/media && chown app /app/media
USER app
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "crm.wsgi:application"]
