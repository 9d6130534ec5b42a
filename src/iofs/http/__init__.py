"""The web toolkit every module's pages and API use: request dependencies, permission checks,
templating with the base layout, charts, form helpers, validation messages.

Sits below the modules (they import it); imports no module. The app factory (``iofs.web``)
sits above the modules and installs what the toolkit asks for (the principal resolver).
"""
