from carbonspec.app import main

main()
