# fish completion for oms-carrier-offline(1)
#
# Completes the verbs rate, label, void, track and batch as the one operand, and
# --help and --version.  The request comes on the standard input, so
# nothing follows the verb.

complete -c oms-carrier-offline -f
complete -c oms-carrier-offline -n __fish_is_first_arg -l help -d 'Print the usage and exit'
complete -c oms-carrier-offline -n __fish_is_first_arg -l version -d 'Print the version and exit'
complete -c oms-carrier-offline -n __fish_is_first_arg -a rate -d 'The rates of the offline tables'
complete -c oms-carrier-offline -n __fish_is_first_arg -a label -d 'A test label, its tracking numbers'
complete -c oms-carrier-offline -n __fish_is_first_arg -a void -d 'Void tracking numbers'
complete -c oms-carrier-offline -n __fish_is_first_arg -a track -d 'The scripted tracking events'
complete -c oms-carrier-offline -n __fish_is_first_arg -a batch -d 'Several requests of one verb in one run'
