# aimetrics: the dashboard by default; the same image runs the collectors.
#   docker build -t aimetrics .
#   docker run -p 8501:8501 -v aimetrics-data:/data -e GITHUB_TOKEN aimetrics
#   collect (cron): docker run --rm -v aimetrics-data:/data -v $PWD/aimetrics.yaml:/data/aimetrics.yaml
#     -e GITHUB_TOKEN -e ANTHROPIC_ADMIN_KEY -e OPENAI_ADMIN_KEY -e CURSOR_API_KEY aimetrics aimetrics collect all --config /data/aimetrics.yaml --quiet
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AIMETRICS_DB=sqlite:////data/aimetrics.db \
    AIMETRICS_CHROMIUM=/usr/bin/chromium

# Debian's Chromium prints the PDF report (aimetrics report --out x.pdf, the dashboard's
# "Download report"); Playwright drives it and never downloads a browser of its own.
# Playwright's driver is a bundled Node.js linked against libatomic, which slim lacks.
# git: `aimetrics collect git` reads local clones through git itself.
# Debian's stable packages are security-patched in place, so they are not version-pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core libatomic1 git \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin aimetrics \
    && mkdir /data && chown aimetrics:aimetrics /data

WORKDIR /app
# Pinned versions for a reproducible image (see constraints.txt, regenerated on upgrades).
COPY constraints.txt pyproject.toml README.md ./
COPY aimetrics ./aimetrics
COPY collectors ./collectors
COPY dashboard ./dashboard
COPY config ./config
RUN pip install --no-cache-dir -c constraints.txt '.[pdf]' && rm -rf /root/.cache

USER 10001
VOLUME ["/data"]
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"]
CMD ["aimetrics", "dashboard", "--port", "8501", "--address", "0.0.0.0"]
