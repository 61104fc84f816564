from kulturkluster.cli import main

main()
