"""The UN Security Council: sourced membership by date and the Charter's voting rule."""
