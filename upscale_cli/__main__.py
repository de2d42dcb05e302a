"""``python -m upscale_cli``: the same as the ``upscale`` command."""

from .cli.main import main

main()
