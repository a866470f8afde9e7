// The handle types the components hold (one generic type: ModelHandle).
global using TokenizerHandle = ViTok.MLNet.ModelHandle<ViTok.Models.Tokenizer.IImageTokenizer, ViTok.Models.Tokenizer.TokenizerShape>;
global using GeneratorHandle = ViTok.MLNet.ModelHandle<ViTok.Models.Generation.GeneratorInference, ViTok.MLNet.Generate.GeneratorInfo>;
