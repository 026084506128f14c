FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
RUN DEBUG=1 python manage.py collectstatic --noinput
RUN useradd --create-home vf && mkdir -p /data && chown vf /data
USER vf
EXPOSE 8000
CMD ["gunicorn", "vardformedling.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4"]
