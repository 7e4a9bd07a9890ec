// `vit`: a Vision Transformer (Dosovitskiy et al. 2021, "An Image is Worth
// 16x16 Words") for small images: non-overlapping patches, linearly embedded,
// plus learned position embeddings, through the same encoder as
// transformer_classifier, with a linear head on the class token.

#include <torch/nn/init.h>
#include <torch/nn/modules/conv.h>

#include "models/model.h"
#include "models/parameter_count.h"
#include "models/torchscript_source.h"
#include "models/transformer_encoder.h"

namespace attune {
namespace {

/// Whether `pooling` needs a class token in front of the patches.
bool has_class_token(Pooling pooling) {
  switch (pooling) {
    case Pooling::cls:
      return true;
    case Pooling::mean:
      return false;
  }
  return false;
}

struct VitOptions : EncoderOptions {
  int64_t patch_size = 2;
  Pooling pooling = Pooling::cls;
  static void declare(config::Schema<VitOptions>& s) {
    declare_into(s);
    s.field("patch_size", &VitOptions::patch_size, "side of the square patches; must divide the image height and width")
        .greater_than(0);
    s.field("pooling", &VitOptions::pooling, "the class token (`cls`, as the paper) or the `mean` of the patch tokens");
  }
};

/// Patch embedding, class token and position embeddings, the encoder and a
/// linear head. The paper's eq. 1-4: z0 = [x_class; x_p E] + E_pos, then the
/// encoder, then the head on LN(z_L^0). The LayerNorm before the head is the
/// encoder's final norm in pre-norm stacks (the paper's), and each layer's own
/// in post-norm ones, so no extra one is needed.
///
/// With `mean` pooling there is no class token (position embeddings cover the
/// patches only): averaging the patch tokens is the global-average-pooling
/// variant of Beyer et al. 2022 ("Better plain ViT baselines"), and a token
/// nothing reads would only get no gradient.
class Vit : public Model {
 public:
  using Options = VitOptions;

  Vit(const Options& options, const ModelArgs& args) : options_(options) {
    check_args(options, args);
    const int64_t channels = args.image_shape[0], height = args.image_shape[1], width = args.image_shape[2];
    const int64_t p = options.patch_size, h = options.hidden_dim;
    // A convolution with kernel = stride = patch size is the paper's linear
    // projection E of each flattened patch, applied to every patch at once.
    patch_embedding_ =
        register_module("patch_embedding", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, h, p).stride(p)));
    const int64_t prefix = has_class_token(options.pooling) ? 1 : 0;
    if (prefix) cls_token_ = register_parameter("cls_token", torch::zeros({1, 1, h}));
    const int64_t patches = (height / p) * (width / p);
    position_embedding_ = register_parameter("position_embedding", torch::empty({1, prefix + patches, h}));
    // As BERT and the reference ViT implementations: small random position
    // embeddings (std 0.02) so that patches start distinguishable.
    torch::NoGradGuard no_grad;
    torch::nn::init::normal_(position_embedding_, 0.0, 0.02);
    if (prefix) torch::nn::init::normal_(cls_token_, 0.0, 0.02);
    dropout_ = register_module("dropout", Dropout(options.dropout));
    encoder_ = register_module("encoder", TransformerEncoder(options));
    head_ = register_module("head", torch::nn::Linear(h, args.num_classes));
  }

  /// The parameters the constructor makes, from the options and the data's
  /// shape alone (attune refuses a model too big for the machine with it).
  static int64_t parameter_count(const Options& options, const ModelArgs& args) {
    check_args(options, args);
    const int64_t channels = args.image_shape[0], height = args.image_shape[1], width = args.image_shape[2];
    const int64_t p = options.patch_size, h = options.hidden_dim;
    const int64_t prefix = has_class_token(options.pooling) ? 1 : 0;
    const ParameterCount patches = ParameterCount(height / p) * (width / p);
    const ParameterCount patch_embedding = ParameterCount(channels) * p * p * h + h;  // conv weight and bias
    return (patch_embedding + ParameterCount(prefix) * h + (patches + prefix) * h +
            TransformerEncoderImpl::parameter_count(options) + linear_parameters(h, args.num_classes))
        .value();
  }

  torch::Tensor forward(const Batch& batch) override {
    if (!batch.pixels.defined()) input_error("model `vit` got a batch without images");
    // [B, C, H, W] -> [B, hidden, H/p, W/p] -> [B, patches, hidden], patches in row-major order.
    auto x = patch_embedding_(batch.pixels).flatten(2).transpose(1, 2);
    if (cls_token_.defined()) x = torch::cat({cls_token_.expand({x.size(0), 1, x.size(2)}), x}, 1);
    x = dropout_(x + position_embedding_);
    x = encoder_(x, torch::Tensor());  // every image has all its patches: no padding mask
    const auto pooled = cls_token_.defined() ? x.select(1, 0) : x.mean(1);
    return head_(pooled);
  }

  std::string torchscript() const override {
    const EncoderScript encoder = encoder_script(options_, "encoder.", "None");
    const int64_t p = options_.patch_size;
    std::vector<std::string> body = {fmt::format(
        "x = torch.conv2d(pixels, self.patch_embedding_weight, self.patch_embedding_bias, [{}, {}], [0, 0], "
        "[1, 1], 1).flatten(2).transpose(1, 2)",
        p, p)};
    if (cls_token_.defined()) body.push_back("x = torch.cat([self.cls_token.expand(x.size(0), 1, x.size(2)), x], 1)");
    body.push_back("x = x + self.position_embedding");
    body.insert(body.end(), encoder.statements.begin(), encoder.statements.end());
    body.push_back(cls_token_.defined() ? "pooled = x.select(1, 0)" : "pooled = x.mean(1)");
    body.push_back("return torch.linear(pooled, self.head_weight, self.head_bias)");
    return encoder.methods + script::method("forward(self, pixels: Tensor) -> Tensor", body);
  }

 private:
  static void check_args(const Options& options, const ModelArgs& args) {
    if (args.image_shape.size() != 3) {
      input_error(
          "model `vit` needs image data ([channels, height, width]), such as `data: {{type: "
          "image_classification}}`; for text use `transformer_classifier`");
    }
    const int64_t channels = args.image_shape[0], height = args.image_shape[1], width = args.image_shape[2];
    const int64_t p = options.patch_size;
    if (height % p != 0 || width % p != 0) {
      input_error("model `vit`: patch_size {} does not divide the image shape [{}, {}, {}] (height {}, width {})", p,
                  channels, height, width, height, width);
    }
  }

  Options options_;
  torch::nn::Conv2d patch_embedding_{nullptr};
  torch::Tensor cls_token_, position_embedding_;
  Dropout dropout_{nullptr};
  TransformerEncoder encoder_{nullptr};
  torch::nn::Linear head_{nullptr};
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_MODEL("vit", attune::Vit, "vision transformer: image patches through a transformer encoder")
