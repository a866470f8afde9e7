using ViTok.Cli;

return VitokApp.Run(args, Console.Out, Console.Error);
