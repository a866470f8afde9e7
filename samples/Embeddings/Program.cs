// ViTok latents as Microsoft.Extensions.AI embeddings: a similarity query over the bundled photos, then what the
// latents are worth as embeddings, measured: 1-nearest-neighbour accuracy on labelled Fashion-MNIST test images, for
// latents against raw pixels and ResNet18 features. Usage: dotnet run --project samples/Embeddings -c Release [-- PHOTOS]
using Microsoft.Extensions.AI;
using ViTok.Extensions.AI;
using ViTok.MLNet;

string photos = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "photos");

// <embeddings>
// One embedding per image file: the photo tokenizer's latent averaged over its 64 tokens (8 values).
using var generator = new TokenizerEmbeddingGenerator(ViTokModels.Path(ViTokModels.PhotoTokenizer));
var files = Directory.GetFiles(photos, "*.jpg").Order().ToArray();
var embeddings = await generator.GenerateAsync(
    files.Select(f => new DataContent(File.ReadAllBytes(f), "image/jpeg") { Name = Path.GetFileName(f) }));

// A similarity query: each photo's nearest other photo by cosine similarity.
for (int i = 0; i < files.Length; i++)
{
    var (best, similarity) = Enumerable.Range(0, files.Length).Where(j => j != i)
        .Select(j => (j, Cosine.Similarity(embeddings[i].Vector.Span, embeddings[j].Vector.Span))).MaxBy(p => p.Item2);
    Console.WriteLine($"{Path.GetFileName(files[i])}: nearest {Path.GetFileName(files[best])} (cosine {similarity:F3})");
}
// </embeddings>

Console.WriteLine();
return NearestNeighbours.PrintTable(Path.Combine(AppContext.BaseDirectory, "fashion-mnist"));
