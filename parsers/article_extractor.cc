// placeholder: implemented by a parallel change
