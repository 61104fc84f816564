from kulturkluster.cli import main

if __name__ == "__main__":  # not again in a spawned worker (inbound.parse_pool)
    main()
