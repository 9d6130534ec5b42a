"""The web app: the FastAPI factory that mounts every module's routers, static assets and the
security headers. It sits on top of the modules; the toolkit they use is :mod:`iofs.http`."""
