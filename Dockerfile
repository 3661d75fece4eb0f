# syntax=docker/dockerfile:1
# onething: the what-if lab and its live Kafka twin (departments, platform, shared data,
# harness).  Build:  docker build -t onething .
# Run:    docker run --rm onething                    (lists the bundles)
#         docker run --rm onething compare newborn --no-plots
# With Kafka, see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLBACKEND=Agg

WORKDIR /src

# The packages of pyproject.toml's [tool.setuptools] packages (package data included:
# scenarios/catalog/*.yaml, *.csv, experiments/*.yaml and the workbench's templates and
# static files).
COPY pyproject.toml README.md ./
COPY onething ./onething
COPY scenarios ./scenarios
COPY sim ./sim
COPY topics ./topics
COPY services ./services
COPY experiments ./experiments
COPY workbench ./workbench
COPY discovery ./discovery

# A regular (non-editable) install: the source folder is not needed at run time.
RUN pip install . \
    && rm -rf /src/build

# Non-root user; its home is the working folder, so `compare --out out` can write there.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin onething
USER onething
WORKDIR /home/onething

ENTRYPOINT ["onething"]
CMD ["catalog"]
