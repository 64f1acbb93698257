from annotrace.cli.app import main

main()
