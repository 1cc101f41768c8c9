# fish completion for oms-payment-ledger(1)
#
# Completes the verbs capture and refund as the one operand, and --help
# and --version.  The request comes on the standard input, so nothing
# follows the verb.

complete -c oms-payment-ledger -f
complete -c oms-payment-ledger -n __fish_is_first_arg -l help -d 'Print the usage and exit'
complete -c oms-payment-ledger -n __fish_is_first_arg -l version -d 'Print the version and exit'
complete -c oms-payment-ledger -n __fish_is_first_arg -a capture -d 'Capture an amount of an authorised payment'
complete -c oms-payment-ledger -n __fish_is_first_arg -a refund -d 'Pay back an amount captured'
