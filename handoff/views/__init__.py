"""The workflow's pages: marketing's lead pages (`marketing`) and the sales workspace (`sales`)."""
